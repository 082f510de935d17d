"""What a city hall accepts and every gateway answer, against a PlugNotas fake that behaves as documented.

One test (or more) per point of the fiscal review: place of service, competência, 409, unknown outcomes,
DENEGADO, cancellations seen by callback, PDFs still being generated, tomador names, the empresa's address
and registration, ISS by regime, cancellation codes and reasons.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from agentnfe.emission import cancelamento, service
from agentnfe.infra.extensions import db
from agentnfe.models import (
    Empresa,
    EmpresaClienteTomador,
    NFSe,
    NFSeTentativa,
    Notificacao,
    Regime,
    SituacaoCancelamento,
    StatusNFSe,
)

from . import factories
from .conftest import bot_settings, com_certificado, criar_nota, run_scheduled
from .fakes import FakePlugNotas

PEDIDO = "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria"


def empresa(alfa) -> Empresa:
    """The fixture's empresa in this test's database session."""
    return db.session.get(Empresa, alfa.id)


def nota() -> NFSe:
    db.session.expire_all()
    return db.session.scalars(sa.select(NFSe).order_by(NFSe.id.desc())).first()


def avisos_da_contabilidade() -> list[str]:
    return list(db.session.scalars(sa.select(Notificacao.tipo).order_by(Notificacao.id)))


def emitir_pela_conversa(wa, pedido: str = PEDIDO) -> str:
    espelho = wa.enviar(pedido)
    assert "Confirma a emissão?" in espelho, espelho
    wa.enviar("sim")
    return espelho


# --- 1. place of service and tipoTributacao ---------------------------------------------------------------
def test_a_service_outside_the_city_is_taxed_there(gateway_app, plugnotas, alfa):
    nfse_id = criar_nota(alfa.id)
    db.session.execute(sa.update(NFSe).values(codigo_municipio_prestacao="3304557"))
    db.session.commit()
    service.emitir(nfse_id)
    [post] = plugnotas.posts()
    item = post["json"][0]["servico"][0]
    assert item["iss"]["tipoTributacao"] == 7 and item["codigoCidadeIncidencia"] == "3304557"


# --- 3. 409, and outcomes that stay unknown --------------------------------------------------------------
def test_an_integration_id_the_gateway_already_has_is_adopted_not_rejected(gateway_app, plugnotas, alfa):
    nfse_id = criar_nota(alfa.id)
    registro = db.session.get(NFSe, nfse_id)
    plugnotas.notas[registro.id_integracao] = {
        "id": "5f1a2b3c4d5e6f7a8b9c0d1e", "idIntegracao": registro.id_integracao, "prestador": alfa.cnpj,
        "situacao": "CONCLUIDO", "consultas": 0, "numero": "1234", "documento": {},
    }  # fmt: skip
    from tasks.emissao import seguir

    efeitos = service.emitir(nfse_id)
    assert [r["path"] for r in plugnotas.requests] == ["/nfse"]  # a pendente note is sent straight away...
    assert efeitos.consultar_em == 5
    adotada = nota()
    assert adotada.status is StatusNFSe.PROCESSANDO and adotada.gateway_id == "5f1a2b3c4d5e6f7a8b9c0d1e"
    assert "adotada" in adotada.tentativas[-1].resultado  # ...and the 409 is adopted, never a rejection
    seguir(efeitos, nfse_id)
    run_scheduled()
    assert nota().status is StatusNFSe.CONCLUIDA and nota().numero == "1234"
    assert nota().id_integracao == registro.id_integracao and len(plugnotas.notas) == 1
    assert "nota_rejeitada" not in avisos_da_contabilidade()


@pytest.mark.parametrize("modo", ["aceita_e_demora", "derruba_conexao", "500"])
def test_no_answer_on_the_last_retry_needs_attention_and_replay_adopts_or_sends(gateway_app, plugnotas, alfa, modo):
    nfse_id = criar_nota(alfa.id)
    plugnotas.modo_emissao = modo
    service.emitir(nfse_id, ultima_tentativa=True)
    registro = nota()
    assert registro.status is StatusNFSe.ATENCAO and "última tentativa" in registro.mensagem_erro
    assert avisos_da_contabilidade() == ["nota_atencao"]
    plugnotas.modo_emissao = "ok"
    resultado = gateway_app.test_cli_runner().invoke(args=["replay", "--status", "atencao"])
    assert resultado.exit_code == 0, resultado.output
    run_scheduled()
    assert nota().status is StatusNFSe.CONCLUIDA
    assert len(plugnotas.notas) == 1  # the gateway's note adopted, or sent once when it had none
    assert nota().id_integracao == registro.id_integracao


def test_a_refused_connection_on_every_try_is_erro_because_nothing_left(make_app, evolution, brasilapi, alfa):
    from .conftest import CLOSED

    app = make_app(
        **bot_settings(
            evolution, NFSE_GATEWAY="plugnotas", PLUGNOTAS_URL=CLOSED, BRASILAPI_URL=brasilapi.url, GATEWAY_TIMEOUT=1.0
        )
    )
    with app.app_context():
        com_certificado(alfa.id)
        nfse_id = criar_nota(alfa.id)
        assert service.emitir(nfse_id).tentar_de_novo is True
        assert nota().status is StatusNFSe.PENDENTE  # surely nothing there: the next try sends without asking
        service.emitir(nfse_id, ultima_tentativa=True)
        assert nota().status is StatusNFSe.ERRO and "gateway inacessível" in nota().mensagem_erro


def test_the_gateway_refusing_our_api_key_is_erro_not_a_rejection(gateway_app, plugnotas, alfa, monkeypatch):
    nfse_id = criar_nota(alfa.id)
    monkeypatch.setattr(FakePlugNotas, "API_KEY", "outra-chave")
    service.emitir(nfse_id)
    assert nota().status is StatusNFSe.ERRO and "credencial" in nota().mensagem_erro


# --- 4. DENEGADO and CANCELADO ------------------------------------------------------------------------------
def test_a_denied_note_is_rejected_with_its_reason(wa, plugnotas):
    plugnotas.situacao_final = "DENEGADO"
    emitir_pela_conversa(wa)
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.REJEITADA
    assert registro.mensagem_erro == "Prestador com pendência cadastral no município"
    assert wa.respostas()[-1].startswith("❌ A prefeitura negou a nota (denegada). Motivo: Prestador com pendência")
    assert avisos_da_contabilidade() == ["nota_rejeitada"]


def test_a_note_cancelled_at_the_city_hall_is_cancelled_here_too(wa, plugnotas):
    emitir_pela_conversa(wa)
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA
    plugnotas.cancelar_na_prefeitura(registro.id_integracao)
    aviso = {"id": registro.gateway_id, "situacao": "CANCELADO"}
    resposta = wa.client.post("/webhook/plugnotas", json=aviso, headers={"X-Webhook-Token": "token-plugnotas"})
    assert resposta.get_json() == {"status": "queued"}
    assert nota().status is StatusNFSe.CANCELADA
    assert (
        wa.respostas()[-1] == f"A nota nº {registro.numero} foi cancelada na prefeitura. Sua contabilidade foi avisada."
    )
    assert avisos_da_contabilidade() == ["nota_cancelada"]
    resposta = wa.client.post("/webhook/plugnotas", json=aviso, headers={"X-Webhook-Token": "token-plugnotas"})
    assert avisos_da_contabilidade() == ["nota_cancelada"]  # told once


# --- 5. PDFs still being generated ----------------------------------------------------------------------------
def test_a_pdf_still_being_generated_is_not_stored_and_the_link_says_so(wa, plugnotas):
    plugnotas.pdf_pendente = 1000
    emitir_pela_conversa(wa)
    run_scheduled(limit=3)
    link = next(t for t in wa.respostas() if t.startswith("✅")).split("PDF: ")[1].removeprefix("http://127.0.0.1:8000")
    resposta = wa.client.get(link)
    assert resposta.status_code == 503 and "ainda não está disponível" in resposta.get_data(as_text=True)
    from agentnfe.emission import links

    assert not links.caminho_pdf(nota().id_integracao).exists()
    plugnotas.pdf_pendente = 0
    resposta = wa.client.get(link)
    assert resposta.status_code == 200 and resposta.data == FakePlugNotas.PDF


def test_the_pdf_task_keeps_trying_until_the_pdf_exists(wa, plugnotas, evolution):
    import base64

    plugnotas.pdf_pendente = 3
    emitir_pela_conversa(wa)
    run_scheduled()
    from agentnfe.emission import links

    assert links.caminho_pdf(nota().id_integracao).read_bytes() == FakePlugNotas.PDF
    [documento] = [r for r in evolution.requests if r["path"].startswith("/message/sendMedia/") and r.get("entregue")]
    assert base64.b64decode(documento["json"]["media"]) == FakePlugNotas.PDF


# --- 6. tomador names and e-mails -------------------------------------------------------------------------------
def test_a_cpf_tomador_is_asked_for_a_name_which_goes_on_the_note(wa, plugnotas, alfa):
    resposta = wa.enviar("nota de 500 para o CPF 123.456.789-09, aula particular de violão")
    assert resposta.endswith("Qual o nome completo do cliente?")
    assert "Não entendi o nome" in wa.enviar("sim")
    espelho = wa.enviar("maria da silva")
    assert "Tomador: Maria da Silva (123.456.789-09)" in espelho
    wa.enviar("sim")
    [post] = plugnotas.posts()
    assert post["json"][0]["tomador"] == {"cpfCnpj": "12345678909", "razaoSocial": "Maria da Silva"}
    registro = nota()
    assert registro.tomador.razao_social is None  # the registry never holds what a firm or its client says
    ligado = db.session.scalar(sa.select(EmpresaClienteTomador))
    assert ligado.nome == "Maria da Silva"
    ligado.email = "maria@exemplo.com.br"
    db.session.commit()
    run_scheduled()
    assert "Tomador: Maria da Silva" in wa.enviar("outra de 300 para o CPF 123.456.789-09, aula de violão")
    wa.enviar("sim")
    assert plugnotas.posts()[-1]["json"][0]["tomador"]["email"] == "maria@exemplo.com.br"


def test_a_note_without_a_tomador_name_is_refused_before_sending(gateway_app, plugnotas, alfa, brasilapi):
    brasilapi.modo = "404"
    nfse_id = criar_nota(alfa.id)
    service.emitir(nfse_id)
    assert plugnotas.posts() == []
    assert nota().status is StatusNFSe.ERRO and "falta o nome do tomador 12.345.678/0001-95" in nota().mensagem_erro


# --- 7. the empresa's address and registration ------------------------------------------------------------------
def test_an_empresa_without_address_is_refused_before_sending_then_replayed(wa, plugnotas, alfa, gateway_app):
    alfa = empresa(alfa)
    alfa.logradouro, alfa.bairro = None, ""
    db.session.commit()
    emitir_pela_conversa(wa)
    assert plugnotas.posts() == []
    registro = nota()
    assert registro.status is StatusNFSe.ERRO
    assert "o cadastro da empresa está incompleto (falta logradouro, bairro)" in registro.mensagem_erro
    assert "⚠️ Não consegui emitir a nota: o cadastro da empresa está incompleto" in wa.respostas()[-1]
    assert avisos_da_contabilidade() == ["nota_erro"]
    alfa.logradouro, alfa.bairro = "Rua Nova", "Centro"
    db.session.commit()
    assert gateway_app.test_cli_runner().invoke(args=["replay"]).exit_code == 0
    [post] = plugnotas.posts()
    assert post["json"][0]["idIntegracao"] == registro.id_integracao  # same id: the gateway never had it


def _certificado_pela_cli(app, cnpj: str, caminho, dias: int = 365):
    from .certs import gerar_pfx

    caminho.write_bytes(gerar_pfx(cnpj, dias=dias))
    return app.test_cli_runner().invoke(
        args=["certificado", "add", cnpj, str(caminho), "--password-stdin"], input="senha-do-cert\n"
    )


def test_certificates_register_the_empresa_once_then_update_it(gateway_app, plugnotas, alfa, tmp_path):
    resultado = _certificado_pela_cli(gateway_app, alfa.cnpj, tmp_path / "a1.pfx")
    assert resultado.exit_code == 0, resultado.output
    assert [(r["method"], r["path"]) for r in plugnotas.requests] == [("POST", "/certificado"), ("POST", "/empresa")]
    [cadastro] = plugnotas.posts("/empresa")
    assert cadastro["json"]["nfse"] == {
        "ativo": True,
        "config": {"producao": False, "rps": {"serie": "1", "numero": 1}},
    }
    assert cadastro["json"]["certificado"] == "5ecc441a4ea3b318cec7f999"
    resultado = _certificado_pela_cli(gateway_app, alfa.cnpj, tmp_path / "renovado.pfx", dias=700)
    assert resultado.exit_code == 0, resultado.output
    assert len(plugnotas.posts("/empresa")) == 1
    [renovacao] = plugnotas.chamadas("PATCH", "/empresa/")
    assert renovacao["path"] == f"/empresa/{alfa.cnpj}" and renovacao["json"]["certificado"]


def test_an_incomplete_empresa_keeps_its_certificate_but_is_not_registered(gateway_app, plugnotas, alfa, tmp_path):
    from agentnfe.models import Certificado

    outra = factories.empresa(db.session, empresa(alfa).contabilidade, logradouro=None, numero=None)
    db.session.commit()
    resultado = _certificado_pela_cli(gateway_app, outra.cnpj, tmp_path / "a1.pfx")
    assert resultado.exit_code == 1
    assert "guardado" in resultado.output and "falta logradouro, número" in resultado.output
    assert plugnotas.requests == []
    assert (
        db.session.scalar(sa.select(Certificado.enviado_gateway_em).where(Certificado.empresa_id == outra.id)) is None
    )


# --- 8. ISS by regime ------------------------------------------------------------------------------------------------
def _retido_para(alfa):
    from agentnfe.models import ClienteTomador, FonteTomador, TipoDocumento

    tomador = ClienteTomador(documento="12345678000195", tipo_documento=TipoDocumento.CNPJ, fonte=FonteTomador.WHATSAPP)
    db.session.add(EmpresaClienteTomador(empresa_id=alfa.id, tomador=tomador, iss_retido=True))
    db.session.commit()


def test_a_withheld_simples_note_shows_and_sends_the_effective_simples_rate(wa, plugnotas, alfa):
    _retido_para(alfa)
    espelho = emitir_pela_conversa(wa)
    assert "ISS: 2,01% retido pelo tomador · R$ 30,15" in espelho and "Valor líquido: R$ 1.469,85" in espelho
    iss = plugnotas.posts()[0]["json"][0]["servico"][0]["iss"]
    assert iss == {"aliquota": 2.01, "tipoTributacao": 6, "exigibilidade": 1, "retido": True}
    assert nota().aliquota_iss == Decimal("2.0100") and nota().iss_retido is True


def test_a_withheld_simples_note_without_the_simples_rate_is_refused_before_sending(wa, plugnotas, alfa):
    _retido_para(alfa)
    empresa(alfa).aliquota_simples_iss = None
    db.session.commit()
    espelho = emitir_pela_conversa(wa)
    assert "alíquota do Simples a informar pela contabilidade" in espelho
    assert plugnotas.posts() == []
    assert "alíquota efetiva do Simples Nacional" in nota().mensagem_erro and nota().status is StatusNFSe.ERRO


def test_a_mei_note_is_never_withheld_and_carries_no_rate(wa, plugnotas, alfa):
    mei = empresa(alfa)
    mei.regime = Regime.MEI
    mei.servicos[0].aliquota_iss = Decimal(0)
    db.session.commit()
    _retido_para(alfa)
    espelho = emitir_pela_conversa(wa)
    assert "ISS: pago no DAS (MEI)" in espelho
    iss = plugnotas.posts()[0]["json"][0]["servico"][0]["iss"]
    assert iss == {"tipoTributacao": 6, "exigibilidade": 1, "retido": False}
    assert plugnotas.posts()[0]["json"][0]["prestador"]["regimeTributarioEspecial"] == 5


def test_a_normal_regime_note_sends_the_municipal_rate_and_shows_the_iss(wa, plugnotas, alfa):
    normal = empresa(alfa)
    normal.regime = Regime.LUCRO_PRESUMIDO
    normal.servicos[0].aliquota_iss = Decimal("3.5")
    db.session.commit()
    espelho = emitir_pela_conversa(wa)
    assert "ISS: 3,5% não retido · R$ 52,50" in espelho and "Valor líquido" not in espelho
    assert plugnotas.posts()[0]["json"][0]["servico"][0]["iss"]["aliquota"] == 3.5


# --- 10. cancellations: codes, reasons, refusals, silence ---------------------------------------------------------
def _autorizada(gateway_app, alfa) -> int:
    from tasks.emissao import emit_nfse

    nfse_id = criar_nota(alfa.id)
    emit_nfse(nfse_id)
    run_scheduled()
    assert nota().status is StatusNFSe.CONCLUIDA
    return nfse_id


def test_cli_cancellation_takes_a_code_and_a_reason(gateway_app, plugnotas, alfa):
    nfse_id = _autorizada(gateway_app, alfa)
    runner = gateway_app.test_cli_runner()
    curto = runner.invoke(args=["cancelar", "--id", str(nfse_id), "--codigo", "1", "--motivo", "erro"])
    assert curto.exit_code == 1 and "de 15 a 255 caracteres" in curto.output
    assert runner.invoke(args=["cancelar", "--id", str(nfse_id), "--codigo", "5", "--motivo", "x" * 20]).exit_code == 2
    resultado = runner.invoke(
        args=["cancelar", "--empresa", alfa.cnpj, "--numero", nota().numero, "--codigo", "9",
              "--motivo", "Nota emitida em duplicidade pelo cliente"]
    )  # fmt: skip
    assert resultado.exit_code == 0, resultado.output
    assert f"Cancelamento da nota nº {nota().numero} pedido (protocolo cancel-1)" in resultado.output
    run_scheduled()  # the status poll, 5 s later
    assert nota().status is StatusNFSe.CANCELADA
    [pedido] = plugnotas.posts(f"/nfse/cancelar/{nota().gateway_id}")
    assert pedido["json"] == {"codigo": "9", "motivo": "Nota emitida em duplicidade pelo cliente"}
    assert nota().cancelamento_codigo == 9 and nota().cancelamento_motivo == "Nota emitida em duplicidade pelo cliente"
    de_novo = runner.invoke(args=["cancelar", "--id", str(nfse_id), "--codigo", "1", "--motivo", "x" * 20])
    assert de_novo.exit_code == 1 and "só notas autorizadas" in de_novo.output


def test_a_refused_cancellation_is_told_to_the_user_and_the_accountant(gateway_app, plugnotas, alfa, evolution):
    nfse_id = _autorizada(gateway_app, alfa)
    plugnotas.cancelamento_final = "REJEITADO"
    from tasks.emissao import cancel_nfse

    cancel_nfse(nfse_id, 1, "Valor digitado errado na nota", "admin")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.cancelamento_situacao is SituacaoCancelamento.RECUSADO
    assert avisos_da_contabilidade() == ["cancelamento_recusado"]
    ultima = db.session.scalar(sa.select(NFSeTentativa.resultado).order_by(NFSeTentativa.id.desc()))
    assert "Prazo para cancelamento expirado" in ultima


def test_a_cancellation_without_answer_for_a_day_is_reported_not_dropped(gateway_app, plugnotas, alfa):
    nfse_id = _autorizada(gateway_app, alfa)
    plugnotas.consultas_cancelamento = 10_000
    cancelamento.solicitar(nfse_id, 2, "Serviço não foi prestado ao cliente")
    assert cancelamento.consultar(nfse_id, 3).consultar_em == 120
    db.session.execute(sa.update(NFSe).values(cancelamento_pedido_em=datetime.now(UTC) - timedelta(hours=25)))
    db.session.commit()
    assert cancelamento.consultar(nfse_id, 150).consultar_em is None
    assert nota().cancelamento_situacao is SituacaoCancelamento.SEM_RESPOSTA
    assert avisos_da_contabilidade() == ["cancelamento_sem_resposta"]


def test_the_cancellation_reason_and_code_are_validated_before_any_call(gateway_app, plugnotas, alfa):
    from agentnfe.fiscal.cancelamento import CancelamentoInvalido

    nfse_id = _autorizada(gateway_app, alfa)
    for codigo, motivo in ((3, "Motivo longo o suficiente"), (1, "curto"), (2, "x" * 256)):
        with pytest.raises(CancelamentoInvalido):
            cancelamento.solicitar(nfse_id, codigo, motivo)
    assert plugnotas.chamadas("POST", "/nfse/cancelar") == []


# --- 11. alphanumeric CNPJ certificates ---------------------------------------------------------------------------
@pytest.mark.parametrize("san", ["octet", "printable", None])
def test_alphanumeric_cnpj_certificates_are_read(san):
    from agentnfe.emission import certificados

    from .certs import gerar_pfx

    cnpj = "12ABC34501DE35"
    dados = certificados.ler_pfx(
        gerar_pfx(cnpj, san=san, cn_com_cnpj=san is None), "senha-do-cert", datetime.now(UTC).date(), UTC
    )
    assert dados.cnpj == cnpj


def test_alphanumeric_cnpj_certificate_is_stored_for_its_empresa(session):
    from agentnfe.emission import certificados

    from .certs import gerar_pfx

    empresa = factories.empresa(session, cnpj="12ABC34501DE35")
    registro = certificados.adicionar(
        session, empresa, gerar_pfx("12ABC34501DE35"), "senha-do-cert", datetime.now(UTC).date()
    )
    assert registro.cnpj == "12ABC34501DE35"


def test_the_cancel_dialogue_takes_a_reason_that_starts_with_no_and_gives_way_to_a_new_note(wa, plugnotas):
    emitir_pela_conversa(wa)
    run_scheduled()
    numero = nota().numero
    wa.enviar(f"cancelar nota {numero}")
    assert "Descreva o motivo" in wa.enviar("outro motivo")
    confirmacao = wa.enviar("não era para este cliente, emiti errado")
    assert "Motivo: outros — não era para este cliente, emiti errado" in confirmacao
    assert wa.enviar("nova nota").startswith("Certo, vamos começar uma nova nota.")
    assert plugnotas.chamadas("POST", "/nfse/cancelar") == []
    assert nota().status is StatusNFSe.CONCLUIDA


def test_a_whatsapp_cancellation_belongs_to_the_notes_empresa_conversation(wa, plugnotas, alfa):
    from agentnfe.models import Contabilidade, Sessao

    from .conftest import TELEFONE

    firma = db.session.get(Contabilidade, alfa.contabilidade_id)
    outra = factories.empresa(db.session, firma, razao_social="Beta Serviços Ltda")
    factories.telefone(db.session, outra, TELEFONE)  # the phone serves two empresas: no empresa until one is known
    db.session.commit()
    nota_id = criar_nota(alfa.id, status=StatusNFSe.CONCLUIDA)
    db.session.execute(sa.update(NFSe).where(NFSe.id == nota_id).values(numero="77", gateway_id="pn-77"))
    db.session.commit()
    assert "Qual o motivo do cancelamento?" in wa.enviar("cancelar nota 77")
    db.session.expire_all()
    sessao = db.session.scalars(sa.select(Sessao).order_by(Sessao.id.desc())).first()
    assert sessao.empresa_id == alfa.id  # so the firm sees the dialogue in Conversas, under Alfa
