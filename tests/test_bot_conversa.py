"""Whole conversations through the real Evolution webhook, real tasks (inline) and a fake Evolution server."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import (
    ClienteTomador,
    Estado,
    FonteTomador,
    Mensagem,
    NFSe,
    Regime,
    ServicoEmpresa,
    Sessao,
    StatusNFSe,
)

from . import factories
from .conftest import TELEFONE, run_scheduled

CNPJ_TOMADOR = "12.345.678/0001-95"
RAZAO = "EXEMPLO CONSULTORIA LTDA"  # what the fake BrasilAPI answers for any CNPJ

pytestmark = pytest.mark.usefixtures("num_instante")


def ultimo_marco() -> date:
    """March of this year, or of last year before March: "referente a março" never means a future month."""
    hoje = (datetime.now(UTC) - timedelta(hours=3)).date()
    return date(hoje.year if hoje.month >= 3 else hoje.year - 1, 3, 1)


def sessao_atual(telefone=TELEFONE) -> Sessao:
    db.session.expire_all()
    return db.session.scalars(sa.select(Sessao).where(Sessao.telefone == telefone).order_by(Sessao.id.desc())).first()


def competencia_atual() -> str:
    hoje = datetime.now(UTC) - timedelta(hours=3)
    return f"{hoje:%m/%Y}"


def test_one_shot_message_to_issued_note(whatsapp, alfa):
    espelho = whatsapp.enviar(f"nota de R$ 1.500,00 para {CNPJ_TOMADOR} consultoria de março")
    assert "Confira a nota:" in espelho
    assert "Prestador: Alfa Consultoria Ltda (11.222.333/0001-81)" in espelho
    assert f"Tomador: {RAZAO} ({CNPJ_TOMADOR})" in espelho  # looked up before the espelho
    assert "Valor: R$ 1.500,00" in espelho
    assert "Descrição: Consultoria de março" in espelho
    assert "Serviço: 17.01\nISS: pago no DAS (Simples Nacional), não retido" in espelho
    assert f"Competência: {ultimo_marco():%m/%Y}" in espelho
    assert espelho.endswith("Confirma a emissão? (sim/não)")
    assert sessao_atual().estado is Estado.CONFIRMACAO

    assert whatsapp.enviar("sim") == "Perfeito! Estou emitindo a nota e te aviso assim que ela for autorizada."
    assert db.session.scalar(sa.select(NFSe.status)) is StatusNFSe.PROCESSANDO
    assert run_scheduled() >= 1  # the status poll, 5 s later
    resposta = whatsapp.respostas()[-1]
    assert resposta.startswith("✅ Nota emitida!\nNúmero: ")
    assert "Código de verificação: " in resposta and "PDF: http://127.0.0.1:8000/n/" in resposta
    nota = db.session.scalar(sa.select(NFSe))
    assert nota.tomador.documento == "12345678000195"
    assert nota.tomador.fonte is FonteTomador.BRASILAPI and nota.tomador.razao_social == RAZAO
    assert nota.valor == Decimal("1500.00")
    assert nota.descricao == "Consultoria de março"
    assert nota.competencia == ultimo_marco()
    assert nota.aliquota_iss is None and nota.iss_retido is False  # Simples, not withheld: ISS in the DAS
    assert nota.empresa_id == alfa.id and nota.contabilidade_id == alfa.contabilidade_id
    assert nota.id_integracao.startswith("agentnfe-")
    assert nota.status is StatusNFSe.CONCLUIDA and nota.numero in resposta
    assert [(t.acao.value, t.status_resultante.value) for t in nota.tentativas] == [
        ("emitir", "processando"),
        ("consultar", "concluida"),
    ]
    assert {t.id_integracao for t in nota.tentativas} == {nota.id_integracao}
    assert sessao_atual().estado is Estado.CONCLUIDA


def test_field_by_field_after_a_greeting(whatsapp, alfa):
    assert "Olá! Eu emito notas fiscais de serviço para Alfa Consultoria Ltda" in whatsapp.enviar("oi, bom dia")
    resposta = whatsapp.enviar(f"o cnpj é {CNPJ_TOMADOR}")
    assert resposta == f"Anotei o CNPJ {CNPJ_TOMADOR}. Qual o valor da nota?"
    assert sessao_atual().estado is Estado.DADOS_INCOMPLETOS
    assert (
        whatsapp.enviar("1.500")
        == "Anotei o valor de R$ 1.500,00. Qual serviço foi prestado? Essa é a descrição que vai na nota."
    )
    espelho = whatsapp.enviar("manutenção do site")
    assert "Valor: R$ 1.500,00" in espelho and "Descrição: Manutenção do site" in espelho
    assert f"Competência: {competencia_atual()}" in espelho


def test_corrections_at_confirmation(whatsapp, alfa):
    whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR} consultoria")
    espelho = whatsapp.enviar("não, o valor correto é 280")
    assert "Valor: R$ 280,00" in espelho and "Confirma a emissão?" in espelho
    assert (
        whatsapp.enviar("não")
        == "Sem problema. O que você quer corrigir? Mande o valor, o CNPJ/CPF ou a descrição certos."
    )
    espelho = whatsapp.enviar("a descrição é consultoria de abril")
    assert "Descrição: Consultoria de abril" in espelho and "Valor: R$ 280,00" in espelho
    espelho = whatsapp.enviar("o cnpj é 11.444.777/0001-61")
    assert f"Tomador: {RAZAO} (11.444.777/0001-61)" in espelho
    assert "Não entendi" in whatsapp.enviar("hmm talvez")
    whatsapp.enviar("pode emitir")
    nota = db.session.scalar(sa.select(NFSe))
    assert (nota.valor, nota.descricao, nota.tomador.documento) == (
        Decimal("280.00"),
        "Consultoria de abril",
        "11444777000161",
    )


def test_cancel_ends_the_draft_without_a_note(whatsapp, alfa):
    whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR} consultoria")
    assert (
        whatsapp.enviar("cancela")
        == "Tudo bem, descartei esse rascunho. Quando quiser emitir uma nota é só mandar os dados."
    )
    assert sessao_atual().estado is Estado.CANCELADA
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0
    assert "Não há nenhuma nota em andamento" in whatsapp.enviar("desisto")


def test_invalid_cnpj_then_a_valid_one(whatsapp, alfa):
    resposta = whatsapp.enviar("nota de 1500 para 43.268.432/0001-91 consultoria")
    assert resposta == "O CNPJ 43.268.432/0001-91 é inválido, confira os dígitos. Pode conferir e mandar de novo?"
    espelho = whatsapp.enviar("43.268.432/0001-90")
    assert f"Tomador: {RAZAO} (43.268.432/0001-90)" in espelho and "Valor: R$ 1.500,00" in espelho
    assert "Descrição: Consultoria" in espelho


def test_redelivered_webhook_is_answered_once(whatsapp, alfa):
    evento = whatsapp.evento(f"nota de 1500 para {CNPJ_TOMADOR} consultoria")
    assert whatsapp.postar(evento).get_json() == {"status": "queued"}
    assert whatsapp.postar(evento).get_json() == {"status": "duplicate"}
    assert len(whatsapp.respostas()) == 1
    assert db.session.scalar(sa.select(sa.func.count(Mensagem.id))) == 2


def test_unknown_phone_is_refused_once_without_llm(make_app, evolution, openai_fake):
    from .conftest import WhatsApp, bot_settings

    app = make_app(**bot_settings(evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1"))
    with app.app_context():
        whatsapp = WhatsApp(app.test_client(), evolution)
        assert "não está autorizado" in whatsapp.enviar(
            "nota de 1500 ou 1800 para alguém, sei lá", telefone="5521999990000"
        )
        assert whatsapp.enviar("alô?", telefone="5521999990000") == ""
        assert openai_fake.chamadas == 0


def test_phone_serving_several_empresas_chooses_first(whatsapp, alfa):
    beta = factories.empresa(
        db.session, alfa.contabilidade, razao_social="Beta Design ME", nome_fantasia="Beta Design", regime=Regime.MEI
    )
    factories.telefone(db.session, beta, TELEFONE)
    db.session.commit()
    pergunta = whatsapp.enviar(f"nota de 900 para {CNPJ_TOMADOR} criação de logotipo")
    assert "mais de uma empresa" in pergunta and "1) Alfa Consultoria Ltda" in pergunta and "2) Beta Design" in pergunta
    assert sessao_atual().estado is Estado.ESCOLHA_EMPRESA
    assert "Não encontrei essa opção" in whatsapp.enviar("7")
    espelho = whatsapp.enviar("beta")
    assert "Prestador: Beta Design ME" in espelho and "Valor: R$ 900,00" in espelho
    assert "ISS: pago no DAS (MEI), não vai na nota" in espelho
    whatsapp.enviar("sim")
    nota = db.session.scalar(sa.select(NFSe))
    assert nota.empresa_id == beta.id and nota.aliquota_iss is None


def test_phone_without_the_ninth_digit_is_recognised(whatsapp, alfa, evolution):
    espelho = whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR} consultoria", telefone="551187654321")
    assert "Confira a nota" in espelho
    assert evolution.requests[-1]["json"]["number"] == TELEFONE
    assert evolution.requests[-1]["path"] == "/message/sendText/escritorio-silva"
    assert evolution.requests[-1]["headers"]["apikey"] == "chave-evolution"


def test_service_chosen_by_keywords_and_asked_when_several_fit(whatsapp, alfa):
    padrao = alfa.servicos[0]
    padrao.descricao, padrao.palavras_chave = "Consultoria", "consultoria"
    alfa.servicos.append(
        ServicoEmpresa(
            codigo_servico="01.07", descricao="Suporte", aliquota_iss=Decimal("3"), palavras_chave="suporte, manutenção"
        )
    )
    alfa.servicos.append(
        ServicoEmpresa(
            codigo_servico="08.02", descricao="Treinamento", aliquota_iss=Decimal("4"), palavras_chave="treinamento"
        )
    )
    db.session.commit()
    alfa.regime = Regime.LUCRO_PRESUMIDO
    db.session.commit()
    espelho = whatsapp.enviar(f"nota de 500 para {CNPJ_TOMADOR} manutenção do servidor")
    assert "Serviço: 01.07 Suporte\nISS: 3% não retido · R$ 15,00" in espelho
    pergunta = whatsapp.enviar("a descrição é treinamento de suporte")
    assert "Qual destes serviços" in pergunta and "1) 01.07 Suporte · ISS 3%" in pergunta
    assert "2) 08.02 Treinamento · ISS 4%" in pergunta
    assert "Serviço: 08.02 Treinamento\nISS: 4% não retido · R$ 20,00" in whatsapp.enviar("2")


def test_known_tomador_name_and_iss_override_show_in_the_mirror(whatsapp, alfa):
    from agentnfe.models import EmpresaClienteTomador, TipoDocumento

    tomador = ClienteTomador(
        documento="12345678000195", tipo_documento=TipoDocumento.CNPJ, razao_social="Padaria Pão Quente Ltda",
        situacao_cadastral="BAIXADA", fonte=FonteTomador.BRASILAPI,
    )  # fmt: skip
    db.session.add(EmpresaClienteTomador(empresa=alfa, tomador=tomador, iss_retido=True))
    db.session.commit()
    espelho = whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR} consultoria")
    assert f"Tomador: Padaria Pão Quente Ltda ({CNPJ_TOMADOR})" in espelho
    assert "ISS: 2,01% retido pelo tomador · R$ 30,15\nValor líquido: R$ 1.469,85" in espelho  # Simples rate
    assert "situação cadastral deste CNPJ na Receita é BAIXADA" in espelho
    whatsapp.enviar("sim")
    nota = db.session.scalar(sa.select(NFSe))
    assert nota.iss_retido is True and nota.tomador_id == tomador.id


def test_non_text_messages_are_answered_once(whatsapp, alfa):
    imagem = whatsapp.evento(None, messageType="imageMessage", message={"imageMessage": {"caption": "nota"}})
    assert whatsapp.postar(imagem).get_json() == {"status": "queued"}
    audio = whatsapp.evento(None, messageType="audioMessage", message={"audioMessage": {}})
    assert whatsapp.postar(audio).get_json() == {"status": "queued"}
    assert whatsapp.respostas() == ["Por enquanto só entendo mensagens de texto. Pode escrever os dados da nota?"]
    tipos = db.session.scalars(sa.select(Mensagem.tipo).where(Mensagem.direcao == "in").order_by(Mensagem.id)).all()
    assert [t.value for t in tipos] == ["imagem", "audio"]


def test_help_and_new_note(whatsapp, alfa):
    assert "CNPJ ou CPF do cliente" in whatsapp.enviar("ajuda")
    whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR}")
    assert whatsapp.enviar("nova nota").startswith("Certo, vamos começar uma nova nota.")
    assert sessao_atual().dados == {}
    assert "Qual o valor" in whatsapp.enviar(f"{CNPJ_TOMADOR}")


def test_idle_draft_expires_and_a_new_session_starts(whatsapp, alfa):
    whatsapp.enviar(f"nota de 1500 para {CNPJ_TOMADOR}")
    antiga = sessao_atual()
    antiga.expira_em = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    resposta = whatsapp.enviar("consultoria")
    assert resposta.startswith("O rascunho anterior expirou por falta de resposta, então comecei um novo.")
    assert "Qual o CNPJ ou CPF" in resposta
    db.session.expire_all()
    assert db.session.get(Sessao, antiga.id).estado is Estado.EXPIRADA
    assert sessao_atual().id != antiga.id


def test_cancelling_a_note_that_does_not_exist(whatsapp, alfa):
    assert whatsapp.enviar("cancelar nota 1234") == (
        "Não encontrei uma nota autorizada com o número 1234 para a sua empresa. Confira o número."
    )


def test_mock_gateway_rejects_on_request_and_serves_a_pdf(whatsapp, alfa):
    whatsapp.enviar(f"nota de 100 para {CNPJ_TOMADOR}, teste rejeitar")
    whatsapp.enviar("sim")
    run_scheduled()
    assert whatsapp.respostas()[-1].startswith(
        "❌ A prefeitura não autorizou a nota. Motivo: Rejeitada pela prefeitura (simulação)"
    )
    whatsapp.enviar(f"nota de 100 para {CNPJ_TOMADOR}, consultoria")
    whatsapp.enviar("sim")
    run_scheduled()
    link = whatsapp.respostas()[-1].split("PDF: ")[1].removeprefix("http://127.0.0.1:8000")
    pdf = whatsapp.client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-1.4") and pdf.data.rstrip().endswith(b"%%EOF")


def test_the_months_are_read_in_sao_paulo_time_never_in_the_future(whatsapp, alfa, num_instante):
    espelho = whatsapp.enviar(f"nota de R$ 1.500,00 para {CNPJ_TOMADOR} consultoria de março")
    if num_instante.month == 3:  # March 1st: "março" is this month
        assert "Competência: 03/2027" in espelho and "mais de um mês atrás" not in espelho
    else:  # December 31st, 23:59 in São Paulo (already 2027 in UTC): last March, and a warning
        assert "Competência: 03/2026" in espelho and "mais de um mês atrás" in espelho
    whatsapp.enviar("cancela")
    espelho = whatsapp.enviar(f"nota de R$ 900,00 para {CNPJ_TOMADOR}, suporte técnico")
    assert f"Competência: {num_instante:%m/%Y}" in espelho  # the local month, not UTC's
