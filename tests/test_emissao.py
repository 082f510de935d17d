"""Emission end to end against fake PlugNotas and BrasilAPI servers, with the faults that cause duplicates."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from agentnfe.emission import acompanhamento, service
from agentnfe.infra.extensions import db
from agentnfe.models import Auditoria, FonteTomador, NFSe, NFSeTentativa, Notificacao, StatusNFSe

from .conftest import criar_nota, em_paralelo, run_scheduled
from .fakes import FakePlugNotas

PEDIDO = "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria de março"


def nota() -> NFSe:
    db.session.expire_all()
    return db.session.scalar(sa.select(NFSe))


def confirmar(wa) -> None:
    espelho = wa.enviar(PEDIDO)
    assert "Tomador: EXEMPLO CONSULTORIA LTDA (12.345.678/0001-95)" in espelho  # BrasilAPI before the espelho
    assert "Estou emitindo" in wa.enviar("sim")


def test_confirmed_conversation_issues_exactly_one_note(wa, gateway_app, plugnotas, brasilapi, evolution):
    confirmar(wa)
    [post] = plugnotas.posts()
    assert post["headers"]["x-api-key"] == FakePlugNotas.API_KEY
    [documento] = post["json"]
    assert documento["prestador"] == {
        "cpfCnpj": "11222333000181", "inscricaoMunicipal": "1234567", "razaoSocial": "Alfa Consultoria Ltda",
        "simplesNacional": True, "regimeTributario": 1, "regimeTributarioEspecial": 0, "incentivoFiscal": False,
        "endereco": {
            "logradouro": "Rua das Flores", "numero": "100", "bairro": "Centro", "codigoCidade": "3550308",
            "estado": "SP", "cep": "01001000",
        },
    }  # fmt: skip
    assert documento["rps"]["competencia"].endswith("-03-01") and "competencia" not in documento
    assert documento["servico"][0]["iss"] == {"tipoTributacao": 6, "exigibilidade": 1, "retido": False}
    assert documento["tomador"]["cpfCnpj"] == "12345678000195"
    assert documento["tomador"]["razaoSocial"] == "EXEMPLO CONSULTORIA LTDA"  # from BrasilAPI
    assert documento["tomador"]["endereco"]["codigoCidade"] == "3550308"  # the IBGE code, not the TOM code
    assert "email" not in documento["tomador"]  # the registry's e-mail is not where the firm sends notes
    assert nota().tomador_dados["nome"] == "EXEMPLO CONSULTORIA LTDA"  # the snapshot kept on the note
    assert documento["servico"][0]["discriminacao"] == "Consultoria de março"
    assert documento["servico"][0]["valor"] == {"servico": 1500.0, "baseCalculo": 1500.0}
    assert documento["idIntegracao"] == nota().id_integracao
    assert nota().status is StatusNFSe.PROCESSANDO and nota().gateway_id == "5e8b7c6a9f1d2a0000000001"

    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.numero == "2026000000001"
    aviso = wa.respostas()[-1]
    assert f"Número: {registro.numero}" in aviso and "Código de verificação: AB12CD34" in aviso
    assert plugnotas.url not in aviso  # the gateway's PDF URL needs the API key: never sent
    link = aviso.split("PDF: ")[1].strip()
    pdf = wa.client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == FakePlugNotas.PDF
    assert len(plugnotas.posts()) == 1
    assert registro.tomador.fonte is FonteTomador.BRASILAPI
    [documento_pdf] = [r for r in evolution.requests if r["path"].startswith("/message/sendMedia/")]
    assert documento_pdf["json"]["mediatype"] == "document" and documento_pdf["json"]["mimetype"] == "application/pdf"
    assert base64.b64decode(documento_pdf["json"]["media"]) == FakePlugNotas.PDF
    assert documento_pdf["json"]["number"] == "5511987654321"


def test_pdf_links_are_signed_and_expire(wa, gateway_app):
    from itsdangerous import URLSafeTimedSerializer

    confirmar(wa)
    run_scheduled()
    link = wa.respostas()[-1].split("PDF: ")[1].strip().removeprefix("http://127.0.0.1:8000")
    assert wa.client.get(link[:-3] + "xyz").status_code == 404
    antigo = URLSafeTimedSerializer(gateway_app.config["SECRET_KEY"], salt="agentnfe.nfse-pdf")
    token = antigo.dumps(nota().id_integracao)
    import time as relogio

    real = relogio.time
    try:
        relogio.time = lambda: real() + 31 * 24 * 3600
        assert wa.client.get(f"/n/{token}").status_code == 410
    finally:
        relogio.time = real


def test_gateway_400_rejects_with_field_errors(wa, plugnotas):
    plugnotas.modo_emissao = "400"
    confirmar(wa)
    registro = nota()
    assert registro.status is StatusNFSe.REJEITADA
    assert "tomador.cpfCnpj: O campo cpfCnpj é inválido" in registro.mensagem_erro
    assert "❌ A prefeitura não autorizou a nota" in wa.respostas()[-1] and "cpfCnpj" in wa.respostas()[-1]
    assert db.session.scalar(sa.select(Notificacao.tipo)) == "nota_rejeitada"
    assert len(plugnotas.posts()) == 1


def test_gateway_500_is_retried_and_sent_once(wa, plugnotas):
    plugnotas.modo_emissao = "500"
    confirmar(wa)
    assert nota().status is StatusNFSe.ENVIADA
    plugnotas.modo_emissao = "ok"
    run_scheduled()  # the retry consults by integration id (nothing there), then sends
    assert len(plugnotas.notas) == 1 and len(plugnotas.posts()) == 2
    consultas = [r for r in plugnotas.requests if r["path"].startswith("/nfse/consultar/")]
    assert consultas and consultas[0]["path"] == f"/nfse/consultar/{nota().id_integracao}/11222333000181"
    assert nota().status is StatusNFSe.CONCLUIDA


def test_timeout_after_the_gateway_accepted_never_sends_twice(wa, plugnotas):
    plugnotas.modo_emissao = "aceita_e_demora"
    confirmar(wa)
    assert nota().status is StatusNFSe.ENVIADA
    plugnotas.modo_emissao = "ok"
    run_scheduled()
    assert len(plugnotas.posts()) == 1 and len(plugnotas.notas) == 1
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.gateway_id == "5e8b7c6a9f1d2a0000000001"
    assert [t.acao.value for t in registro.tentativas][:2] == ["emitir", "consultar"]


def test_worker_crash_between_send_and_update(gateway_app, plugnotas, monkeypatch, alfa):
    from agentnfe.emission.gateways.plugnotas import PlugNotas

    nfse_id = criar_nota(alfa.id)
    real = PlugNotas.emitir

    def emite_e_morre(self, payload):
        real(self, payload)
        raise RuntimeError("worker killed right after the HTTP call")

    monkeypatch.setattr(PlugNotas, "emitir", emite_e_morre)
    with pytest.raises(RuntimeError):
        service.emitir(nfse_id)
    db.session.rollback()
    monkeypatch.setattr(PlugNotas, "emitir", real)
    assert nota().status is StatusNFSe.ENVIADA and nota().reservada_ate is not None
    assert service.emitir(nfse_id).tentar_de_novo is True  # the dead worker's lease still holds
    db.session.execute(sa.update(NFSe).values(reservada_ate=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    service.emitir(nfse_id)  # consults by integration id first: the gateway has it, so it is adopted
    assert len(plugnotas.posts()) == 1
    assert nota().status is StatusNFSe.CONCLUIDA and nota().gateway_id == "5e8b7c6a9f1d2a0000000001"


def test_duplicated_tasks_send_once(gateway_app, plugnotas, alfa):
    from tasks.emissao import emit_nfse

    nfse_id = criar_nota(alfa.id)
    plugnotas.atraso_emissao = 0.3
    erros = em_paralelo(gateway_app, lambda: service.emitir(nfse_id), 3)
    emit_nfse(nfse_id)  # and once more, later, through the queue
    assert erros == []
    assert len(plugnotas.posts()) == 1
    assert nota().status is StatusNFSe.PROCESSANDO


def test_callback_before_the_poll_is_reread_from_the_gateway(wa, plugnotas, evolution):
    confirmar(wa)
    registro = nota()
    falso = {"id": registro.gateway_id, "situacao": "REJEITADO", "mensagem": "callback forjado"}
    client = wa.client
    assert client.post("/webhook/plugnotas", json=falso).status_code == 401
    assert client.post("/webhook/plugnotas", json=falso, headers={"X-Webhook-Token": "errado"}).status_code == 401
    headers = {"X-Webhook-Token": "token-plugnotas"}
    assert client.post("/webhook/plugnotas", json={"id": "desconhecido"}, headers=headers).get_json() == {
        "status": "ignored"
    }
    assert client.post("/webhook/plugnotas", json={"foo": 1}, headers=headers).status_code == 400
    assert client.post("/webhook/plugnotas", json=falso, headers=headers).get_json() == {"status": "queued"}
    assert nota().status is StatusNFSe.CONCLUIDA  # the gateway said CONCLUIDO when asked, not what the callback claimed
    avisos = [t for t in wa.respostas() if t.startswith("✅ Nota emitida")]
    run_scheduled()  # the regular poll finds nothing left to do
    assert [t for t in wa.respostas() if t.startswith("✅ Nota emitida")] == avisos and len(avisos) == 1


@pytest.mark.parametrize("modo", ["404", "429", "500", "timeout"])
def test_brasilapi_failures_do_not_stop_emission(wa, plugnotas, brasilapi, modo):
    brasilapi.modo = modo
    espelho = wa.enviar("nota de R$ 1.500,00 para a Padaria Estrela, CNPJ 12.345.678/0001-95, consultoria")
    assert "Tomador: Padaria Estrela (12.345.678/0001-95)" in espelho  # the name the user gave
    wa.enviar("sim")
    [post] = plugnotas.posts()
    assert post["json"][0]["tomador"] == {"cpfCnpj": "12345678000195", "razaoSocial": "Padaria Estrela"}
    assert nota().tomador.fonte is FonteTomador.WHATSAPP  # looked up again on the next note
    assert nota().tomador.razao_social is None  # the registry holds only what BrasilAPI says


def test_a_failed_lookup_without_a_name_asks_for_it(wa, plugnotas, brasilapi):
    brasilapi.modo = "500"
    assert wa.enviar("nota de 900 para 12.345.678/0001-95, consultoria").endswith("Qual o nome completo do cliente?")
    assert "Tomador: Padaria Estrela Ltda (12.345.678/0001-95)" in wa.enviar("Padaria Estrela Ltda")
    wa.enviar("sim")
    assert plugnotas.posts()[0]["json"][0]["tomador"]["razaoSocial"] == "Padaria Estrela Ltda"


def test_expired_certificate_blocks_emission(wa, plugnotas, alfa):
    from agentnfe.models import Certificado

    db.session.execute(sa.update(Certificado).values(valido_ate=datetime.now(UTC).date() - timedelta(days=2)))
    db.session.commit()
    confirmar(wa)
    assert plugnotas.posts() == []
    registro = nota()
    assert registro.status is StatusNFSe.ERRO and "certificado A1 da empresa venceu em" in registro.mensagem_erro
    assert "⚠️ Não consegui emitir a nota: o certificado A1 da empresa venceu em" in wa.respostas()[-1]


def test_writes_per_emission_are_one_update_per_state_change(gateway_app, plugnotas, alfa):
    from .sql import statements

    nfse_id = criar_nota(alfa.id)
    plugnotas.consultas_ate_final = 2
    with statements() as enviar:
        efeitos = service.emitir(nfse_id)
    assert efeitos.consultar_em == 5
    with statements() as primeira_consulta:
        assert acompanhamento.consultar(nfse_id, 0).consultar_em == 15
    with statements() as segunda_consulta:
        acompanhamento.consultar(nfse_id, 1)
    with statements() as final:
        acompanhamento.consultar(nfse_id, 2)

    def updates_nfse(recorded):
        return [s for s in recorded if s.lstrip().upper().startswith("UPDATE NFSE")]

    def inserts(recorded, tabela):
        return [s for s in recorded if s.lstrip().upper().startswith(f"INSERT INTO {tabela.upper()}")]

    assert len(updates_nfse(enviar)) == 2  # pendente → enviada (before the HTTP call), enviada → processando
    assert len(inserts(enviar, "nfse_tentativa")) == 1
    assert updates_nfse(primeira_consulta) == [] and updates_nfse(segunda_consulta) == []  # still processing: no write
    assert len(updates_nfse(final)) == 1 and len(inserts(final, "nfse_tentativa")) == 1
    assert nota().status is StatusNFSe.CONCLUIDA
    print(f"\nemission writes: send {len(updates_nfse(enviar))} UPDATE nfse, polls 0, final 1 UPDATE nfse")


def test_no_final_answer_in_24_hours_needs_attention(gateway_app, plugnotas, alfa):
    nfse_id = criar_nota(alfa.id)
    plugnotas.consultas_ate_final = 10_000
    service.emitir(nfse_id)
    db.session.execute(sa.update(NFSe).values(enviada_em=datetime.now(UTC) - timedelta(hours=25)))
    db.session.commit()
    assert acompanhamento.consultar(nfse_id, 40).consultar_em is None
    registro = nota()
    assert registro.status is StatusNFSe.ATENCAO and "24 h" in registro.mensagem_erro
    assert db.session.scalar(sa.select(Notificacao.tipo)) == "nota_atencao"


def test_polling_schedule():
    assert [service.proximo_intervalo(n) for n in range(9)] == [5, 15, 30, 60, 120, 300, 600, 600, 600]


def test_cancelling_an_issued_note_on_whatsapp(wa, plugnotas):
    confirmar(wa)
    run_scheduled()
    numero = nota().numero
    pergunta = wa.enviar(f"cancelar nota {numero}")
    assert pergunta == (
        f"Nota nº {numero} de R$ 1.500,00 para EXEMPLO CONSULTORIA LTDA.\nQual o motivo do cancelamento?\n"
        "1) erro na emissão\n2) serviço não prestado\n3) outro motivo"
    )
    assert "continua válida" in wa.enviar("não")
    wa.enviar(f"cancelar nota {numero}")
    assert "Não entendi" in wa.enviar("talvez")
    assert "pelo menos 15 letras" in wa.enviar("2")
    assert "pelo menos 15 letras" in wa.enviar("desistiu")
    confirmacao = wa.enviar("o cliente desistiu do serviço")
    assert "Motivo: serviço não prestado — o cliente desistiu do serviço" in confirmacao
    assert "Pedido de cancelamento" in wa.enviar("sim")
    [cancelamento] = plugnotas.posts(f"/nfse/cancelar/{nota().gateway_id}")
    assert cancelamento["json"] == {"codigo": "2", "motivo": "o cliente desistiu do serviço"}
    assert nota().cancelamento_situacao.value == "solicitado" and nota().cancelamento_protocolo == "cancel-1"
    run_scheduled()
    assert plugnotas.chamadas("GET", "/nfse/cancelar/status/cancel-1")
    assert nota().status is StatusNFSe.CANCELADA and nota().cancelamento_situacao.value == "aceito"
    assert wa.respostas()[-1] == f"Nota nº {numero} cancelada."
    acoes = [t.acao.value for t in db.session.scalars(sa.select(NFSeTentativa).order_by(NFSeTentativa.id))]
    assert acoes[-2:] == ["cancelar", "consultar"]
    [linha] = db.session.scalars(sa.select(Auditoria).where(Auditoria.acao == "cancelar")).all()
    assert (linha.objeto, linha.objeto_id, linha.origem) == ("nota", nota().id, "whatsapp")
    assert linha.usuario.startswith("WhatsApp ") and "código 2: o cliente desistiu do serviço" in linha.descricao
    assert linha.contabilidade_id == nota().contabilidade_id


def test_gateway_health_reports_the_last_outcome(wa, plugnotas):
    plugnotas.modo_emissao = "500"
    confirmar(wa)
    assert wa.client.get("/healthz").get_json()["checks"]["gateway"] == "error"
    plugnotas.modo_emissao = "ok"
    run_scheduled()
    assert wa.client.get("/healthz").get_json()["checks"]["gateway"] == "ok"


@pytest.mark.parametrize("status, proxima_consulta", [(StatusNFSe.PENDENTE, None), (StatusNFSe.PROCESSANDO, 5)])
def test_a_phase_that_loses_to_another_worker_is_rolled_back_and_the_note_read_again(
    bot, alfa, status, proxima_consulta
):
    """`service.fase`: a transition whose compare-and-set on the status fails (another worker moved the note)
    leaves nothing of the phase behind; a note found still processing keeps being polled."""
    from sqlalchemy.orm.exc import StaleDataError

    from agentnfe.emission.registro import carregar

    nfse_id = criar_nota(alfa.id, status=status)

    def perdeu():
        nota = carregar(nfse_id)
        nota.mensagem_erro = "não pode ficar"
        db.session.flush()
        raise StaleDataError("UPDATE nfse … expected to update 1 row(s); 0 were matched")

    efeitos = service.fase(nfse_id, perdeu)
    assert efeitos.consultar_em == proxima_consulta and not efeitos.anunciar
    db.session.expire_all()
    assert db.session.get(NFSe, nfse_id).mensagem_erro is None
    db.session.rollback()
