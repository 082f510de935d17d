"""Every external service answering garbage: BrasilAPI, PlugNotas, Evolution and the LLM. Nothing escapes as an
exception, every field fits its column, and a note always ends in a status the accountant is told about and the
user hears of — never pending, EMITINDO and re-queued by the sweeper forever."""

import pytest
import sqlalchemy as sa

from agentnfe.conversation import varredura
from agentnfe.emission import recuperacao
from agentnfe.infra.extensions import db
from agentnfe.infra.relogio import agora
from agentnfe.models import ClienteTomador, Direcao, Envio, Estado, Mensagem, NFSe, Notificacao, Sessao, StatusNFSe

from .conftest import WhatsApp, bot_settings, run_scheduled

PEDIDO = "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria de março"


def nota() -> NFSe:
    db.session.expire_all()
    registro = db.session.scalar(sa.select(NFSe))
    db.session.rollback()
    return registro


def avisos() -> list[str]:
    return list(db.session.scalars(sa.select(Notificacao.tipo).order_by(Notificacao.id)))


def sem_laco(tarde_demais=None) -> None:
    """Nothing keeps the note or the conversation going round: no sweeper re-queue, no EMITINDO session."""
    from datetime import timedelta

    depois = (tarde_demais or agora()) + timedelta(hours=1)
    assert recuperacao.notas_paradas(depois) == []
    assert varredura.notas_a_anunciar(depois) == []
    estados = list(db.session.scalars(sa.select(Sessao.estado)))
    assert Estado.EMITINDO not in estados, estados


LIXO_BRASILAPI = {
    "razao_social": "R" * 500, "nome_fantasia": ["lista"], "logradouro": {"a": 1}, "numero": "9" * 60,
    "complemento": "c" * 300, "bairro": 12345, "cep": "não sei", "municipio": "M" * 150,
    "codigo_municipio_ibge": 123456789012, "uf": ["SP"], "email": "x" * 400, "descricao_situacao_cadastral": "A" * 90,
}  # fmt: skip


def test_brasilapi_fields_of_any_shape_and_length_fit_the_registry(wa, brasilapi, plugnotas):
    brasilapi.amostra = {**brasilapi.amostra, **LIXO_BRASILAPI}
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()
    registro = db.session.scalar(sa.select(ClienteTomador).where(ClienteTomador.documento == "12345678000195"))
    larguras = {c.name: c.type.length for c in ClienteTomador.__table__.columns if getattr(c.type, "length", None)}
    for campo, largura in larguras.items():
        valor = getattr(registro, campo)
        assert valor is None or len(valor) <= largura, (campo, valor)
    assert registro.razao_social == "R" * 200 and registro.numero == "9" * 20 and registro.bairro == "12345"
    assert (registro.cep, registro.uf, registro.codigo_municipio, registro.nome_fantasia) == (None, None, None, None)
    assert nota().status is StatusNFSe.CONCLUIDA
    sem_laco()


@pytest.mark.parametrize("corpo", [["uma", "lista"], "texto", {"razao_social": ["x"]}, 42])
def test_a_brasilapi_answer_that_is_not_a_company_is_a_failed_lookup(wa, brasilapi, plugnotas, corpo):
    brasilapi.modo = "lixo"
    brasilapi.lixo = corpo
    assert "nome" in wa.enviar(PEDIDO)  # the registry could not say: the bot asks the tomador's name
    assert "Confirma" in wa.enviar("Beta Serviços Ltda") or "sim" in wa.respostas()[-1].lower()
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.status
    assert registro.tomador_dados["nome"] == "Beta Serviços Ltda"
    sem_laco()


LIXO_PLUGNOTAS = [
    [1, 2],
    "aceito",
    {"documents": "x"},
    {"documents": [{"id": ["a"]}]},
    {"documents": [{"id": "i" * 500}]},
]


@pytest.mark.parametrize("corpo", LIXO_PLUGNOTAS, ids=["lista", "texto", "documents-texto", "id-lista", "id-longo"])
def test_an_unreadable_answer_to_the_send_is_an_unknown_outcome_that_ends_in_attention(wa, plugnotas, corpo):
    plugnotas.modo_emissao = "lixo"
    plugnotas.lixo_emissao = corpo
    plugnotas.lixo_consulta = corpo
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()  # every retry: the note was stored at the gateway, each consult answers garbage too
    registro = nota()
    assert registro.status is StatusNFSe.ATENCAO, registro.status
    assert avisos() == ["nota_atencao"]
    assert any("ainda não confirmou" in texto for texto in wa.respostas())
    assert len(plugnotas.posts()) == 1  # never sent twice: after the first, the gateway was only consulted
    sem_laco()


def test_an_unreadable_status_poll_keeps_the_note_followed(wa, plugnotas):
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    assert nota().status is StatusNFSe.PROCESSANDO
    plugnotas.lixo_consulta = {"id": {"x": 1}}
    from agentnfe.emission import acompanhamento

    efeitos = acompanhamento.consultar(nota().id)
    assert efeitos.consultar_em is not None and nota().status is StatusNFSe.PROCESSANDO
    plugnotas.lixo_consulta = None
    run_scheduled()
    assert nota().status is StatusNFSe.CONCLUIDA
    sem_laco()


def test_a_failure_nobody_foresaw_ends_the_note_in_error_with_notice_and_message(wa, plugnotas, monkeypatch):
    def quebra(*args, **kwargs):
        raise AttributeError("'list' object has no attribute 'get'")

    monkeypatch.setattr("agentnfe.emission.payload.montar", quebra)
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()  # the retries, then the last one gives up
    registro = nota()
    assert registro.status is StatusNFSe.ERRO and "falha interna" in registro.mensagem_erro
    assert avisos() == ["nota_erro"]
    assert any(texto.startswith("⚠️ Não consegui emitir a nota: falha interna") for texto in wa.respostas())
    assert plugnotas.posts() == []
    sem_laco()


@pytest.mark.parametrize("corpo", [["x"], {"key": "abc"}, {"key": {"id": ["a"]}}, "ok", {"key": {"id": "k" * 500}}])
def test_an_odd_answer_from_evolution_to_an_accepted_send_counts_as_sent(whatsapp, alfa, evolution, corpo):
    evolution.lixo = corpo
    resposta = whatsapp.postar(whatsapp.evento("ajuda"))
    assert resposta.status_code == 200
    [saida] = db.session.scalars(sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA)).all()
    assert saida.envio is Envio.ENVIADA and saida.provider_id is None


def test_an_llm_answer_of_the_wrong_shape_leaves_the_rules_in_charge(make_app, evolution, openai_fake, alfa):
    app = make_app(**bot_settings(evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1"))
    with app.app_context():
        wa = WhatsApp(app.test_client(), evolution)
        openai_fake.campos = {"documento": ["x"], "valor": {"a": 1}, "descricao": 7, "intencao": "qualquer"}
        resposta = wa.enviar("nota de R$ 1.500,00 para 12.345.678/0001-95 ou 11.222.333/0001-81, consultoria")
        assert openai_fake.chamadas == 1  # asked, answered garbage, and the rules' reading stands
        assert "Valor: R$ 1.500,00" in resposta or "CNPJ ou CPF" in resposta, resposta
        llm = db.session.scalar(sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA))
        assert llm.llm_chamado
