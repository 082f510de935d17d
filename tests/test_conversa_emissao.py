"""The seam between conversation and emission: a note in flight never locks its user out or gets stranded by
what the user writes meanwhile, each outcome is announced once, and nothing waits on the network inside a
database transaction."""

import sqlalchemy as sa

from agentnfe.conversation import varredura
from agentnfe.conversation.engine import anunciar_nota
from agentnfe.emission import acompanhamento, service
from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Estado, Mensagem, NFSe, Sessao, StatusNFSe

from .conftest import TELEFONE, WhatsApp, bot_settings, criar_nota, run_scheduled
from .fakes import FakePlugNotas

PEDIDO = "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria de março"


def lido(consulta):
    """Read, then end the test's own transaction (so it never counts as one held by the product)."""
    db.session.expire_all()
    resultado = consulta()
    db.session.rollback()
    return resultado


def nota() -> NFSe:
    return lido(lambda: db.session.scalar(sa.select(NFSe)))


def sessoes() -> list[Sessao]:
    return lido(lambda: db.session.scalars(sa.select(Sessao).order_by(Sessao.id)).all())


def test_a_message_arriving_during_a_status_poll_does_not_strand_the_note(wa, plugnotas):
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    assert nota().status is StatusNFSe.PROCESSANDO
    durante = []

    def usuario_escreve(pedido):
        if pedido["method"] == "GET" and pedido["path"].startswith("/nfse/") and not durante:
            durante.append(wa.enviar("e aí, a nota já saiu?"))

    plugnotas.ao_receber = usuario_escreve
    run_scheduled()  # the status poll: the gateway answers CONCLUIDO after the user's message bumped the session
    assert durante == ["Sua nota está em processamento na prefeitura. Te aviso assim que sair. "
                       "Para emitir outra enquanto isso, mande *nova nota*."]  # fmt: skip
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and len(plugnotas.posts()) == 1
    assert wa.respostas()[-1].startswith("✅ Nota emitida!") or wa.respostas()[-2].startswith("✅ Nota emitida!")
    [sessao] = sessoes()
    assert sessao.estado is Estado.CONCLUIDA
    assert run_scheduled() == 0  # nothing left polling
    assert wa.enviar("nova nota").startswith("Certo, vamos começar uma nova nota.")


def test_new_note_while_one_is_being_emitted_starts_a_draft_and_the_first_is_still_announced(wa, plugnotas):
    plugnotas.consultas_ate_final = 1
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    assert wa.enviar("qual o status?").startswith("Sua nota está em processamento na prefeitura.")
    assert wa.enviar("nova nota").startswith("Certo, vamos começar uma nova nota.")
    assert "Qual o valor" in wa.enviar("para 12.345.678/0001-95, suporte técnico")
    primeira, segunda = sessoes()
    assert (primeira.estado, segunda.estado) == (Estado.CONCLUIDA, Estado.DADOS_INCOMPLETOS)

    run_scheduled()
    assert nota().status is StatusNFSe.CONCLUIDA
    emitida = [r for r in wa.respostas() if r.startswith("✅ Nota emitida!")]
    assert len(emitida) == 1
    anuncio = lido(lambda: db.session.scalar(sa.select(Mensagem).where(Mensagem.evento.like("%:emitida"))))
    assert anuncio.sessao_id == segunda.id  # shown in the conversation the user is in now
    primeira, segunda = sessoes()
    assert segunda.estado is Estado.DADOS_INCOMPLETOS  # the new draft is untouched by the announcement
    assert segunda.dados["documento"] == "12345678000195" and "valor" not in segunda.dados
    assert "Valor: R$ 300,00" in wa.enviar("300 reais")


def test_each_outcome_is_announced_once_and_a_lost_announcement_is_found(gateway_app, plugnotas, alfa):
    from datetime import timedelta

    from agentnfe.conversation.engine.canal import nova_sessao
    from agentnfe.infra import relogio
    from agentnfe.models import Provider

    nfse_id = criar_nota(alfa.id)
    sessao = nova_sessao(TELEFONE, Provider.EVOLUTION, "escritorio-silva")
    sessao.estado = Estado.EMITINDO
    db.session.flush()
    db.session.execute(sa.update(NFSe).where(NFSe.id == nfse_id).values(sessao_id=sessao.id))
    db.session.commit()
    service.emitir(nfse_id)  # called directly: no task announces what it learned
    acompanhamento.consultar(nfse_id)
    assert nota().status is StatusNFSe.CONCLUIDA
    depois = relogio.agora() + timedelta(minutes=2)
    assert varredura.notas_a_anunciar(depois) == [nfse_id]
    entregar = anunciar_nota(nfse_id)
    assert len(entregar) == 2  # the text with the link, then the PDF as a document
    assert anunciar_nota(nfse_id) == [] and varredura.notas_a_anunciar(depois) == []
    textos = lido(
        lambda: db.session.scalars(
            sa.select(Mensagem.texto).where(Mensagem.direcao == Direcao.SAIDA).order_by(Mensagem.id)
        ).all()
    )
    assert len(textos) == 2 and textos[0].startswith("✅ Nota emitida!")
    assert sessoes()[0].estado is Estado.CONCLUIDA


def test_nothing_waits_on_the_network_inside_a_database_transaction(
    make_app, evolution, plugnotas, brasilapi, openai_fake, alfa
):
    """Every call to BrasilAPI, the LLM, the gateway and WhatsApp finds no connection of the product checked out
    of the pool: no transaction (nor the per-phone advisory lock, which ends with it) is held while waiting."""
    from .conftest import com_certificado

    app = make_app(
        **bot_settings(
            evolution,
            NFSE_GATEWAY="plugnotas",
            PLUGNOTAS_URL=plugnotas.url,
            PLUGNOTAS_API_KEY=FakePlugNotas.API_KEY,
            BRASILAPI_URL=brasilapi.url,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=openai_fake.url + "/v1",
            OPENAI_TIMEOUT=1.0,
            GATEWAY_TIMEOUT=1.0,
            HTTP_TIMEOUT=1.0,
        )
    )
    openai_fake.campos = {
        "documento": None, "nome_tomador": None, "valor": "1800.00", "descricao": "Consultoria", "intencao": "emitir",
    }  # fmt: skip
    alfa_id = alfa.id
    with app.app_context():
        com_certificado(alfa_id)
        pool = db.engine.pool
        db.session.remove()
        abertas: list[tuple[str, int]] = []

        def conferir(pedido):
            abertas.append((f"{pedido['method']} {pedido['path'].split('?')[0]}", pool.checkedout()))

        for fake in (evolution, plugnotas, brasilapi, openai_fake):
            fake.ao_receber = conferir
        wa = WhatsApp(app.test_client(), evolution)
        assert "Valor: R$ 1.800,00" in wa.enviar("nota para 12.345.678/0001-95, 1500 ou 1800, consultoria")
        wa.enviar("sim")
        run_scheduled()
        db.session.remove()
        assert nota().status is StatusNFSe.CONCLUIDA
    assert all(fake.requests for fake in (evolution, plugnotas, brasilapi, openai_fake))
    assert len(abertas) >= 8  # lookup, LLM, two replies, send, poll, announcement, PDF
    assert [chamada for chamada in abertas if chamada[1]] == [], abertas
