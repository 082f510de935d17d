"""POST /webhook/evolution answers exactly as docs/arquitetura.md §6 says, for every payload variant."""

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Mensagem, Provider, TipoMensagem

from .conftest import TELEFONE


def mensagens(direcao=Direcao.ENTRADA):
    return db.session.scalars(sa.select(Mensagem).where(Mensagem.direcao == direcao).order_by(Mensagem.id)).all()


def test_token_is_required_in_the_header(whatsapp, alfa):
    evento = whatsapp.evento("oi")
    assert whatsapp.postar(evento, token=None).status_code == 401
    resposta = whatsapp.postar(evento, token="errado")
    assert resposta.status_code == 401 and resposta.get_json() == {"error": "unauthorized"}
    url_token = whatsapp.client.post("/webhook/evolution?token=token-do-webhook", json=evento)
    assert url_token.status_code == 401
    assert mensagens() == []


def test_unset_webhook_token_refuses_everything(make_app, evolution):
    from .conftest import WhatsApp, bot_settings

    app = make_app(**bot_settings(evolution, WEBHOOK_TOKEN=None))
    with app.app_context():
        whatsapp = WhatsApp(app.test_client(), evolution)
        assert whatsapp.postar(whatsapp.evento("oi"), token="qualquer").status_code == 401


def test_bodies_that_are_not_events_are_400(whatsapp):
    client = whatsapp.client
    headers = {"X-Webhook-Token": "token-do-webhook"}
    assert client.post("/webhook/evolution", data="não é json", headers=headers).status_code == 400
    assert client.post("/webhook/evolution", json=[1, 2], headers=headers).status_code == 400
    assert client.post("/webhook/evolution", json={"data": {}}, headers=headers).status_code == 400
    sem_id = whatsapp.evento("oi")
    del sem_id["data"]["key"]["id"]
    resposta = whatsapp.postar(sem_id)
    assert resposta.status_code == 400 and "data.key.id" in resposta.get_json()["error"]
    sem_data = {"event": "messages.upsert", "instance": "x"}
    assert whatsapp.postar(sem_data).status_code == 400


def test_events_without_a_message_for_the_bot_are_ignored(whatsapp, alfa):
    de_mim = whatsapp.evento("oi")
    de_mim["data"]["key"]["fromMe"] = True
    grupo = whatsapp.evento("oi")
    grupo["data"]["key"]["remoteJid"] = "120363025246125888@g.us"
    grupo["data"]["key"]["participant"] = f"{TELEFONE}@s.whatsapp.net"
    lid = whatsapp.evento("oi")
    lid["data"]["key"]["remoteJid"] = "123456789012345@lid"
    outros = [
        {"event": name, "instance": "x", "data": {}}
        for name in ("connection.update", "messages.update", "qrcode.updated", "send.message")
    ]
    for corpo in [de_mim, grupo, lid, *outros]:
        resposta = whatsapp.postar(corpo)
        assert resposta.status_code == 200 and resposta.get_json() == {"status": "ignored"}, corpo
    assert mensagens() == []
    assert whatsapp.respostas() == []


def test_privacy_id_with_alternative_phone_is_accepted(whatsapp, alfa):
    lid = whatsapp.evento("ajuda")
    lid["data"]["key"]["remoteJid"] = "123456789012345@lid"
    lid["data"]["key"]["remoteJidAlt"] = "551187654321@s.whatsapp.net"
    assert whatsapp.postar(lid).get_json() == {"status": "queued"}
    assert "CNPJ ou CPF do cliente" in whatsapp.respostas()[0]


def test_quoted_text_arrives_as_extended_text(whatsapp, alfa):
    citado = whatsapp.evento(
        None, messageType="extendedTextMessage", message={"extendedTextMessage": {"text": "ajuda"}}
    )
    assert whatsapp.postar(citado).get_json() == {"status": "queued"}
    [mensagem] = mensagens()
    assert mensagem.tipo is TipoMensagem.TEXTO and mensagem.texto == "ajuda"
    assert (mensagem.provider, mensagem.instance) == (Provider.EVOLUTION, "escritorio-silva")


def test_the_sample_payload_is_stored_before_processing(whatsapp, alfa):
    import json
    from pathlib import Path

    amostra = json.loads((Path(__file__).parent / "data/evolution_messages_upsert.json").read_text())
    assert whatsapp.postar(amostra).get_json() == {"status": "queued"}
    [mensagem] = mensagens()
    assert mensagem.provider_id == "3EB0A1B2C3D4E5F60718"
    assert mensagem.texto == "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria de março"
    assert "Confira a nota" in whatsapp.respostas()[0]


def test_a_webhook_neither_reads_nor_sets_the_browser_session(whatsapp, alfa):
    whatsapp.client.set_cookie("session", "anything-a-browser-sent")
    resposta = whatsapp.postar(whatsapp.evento("nota de 100 reais"))
    assert resposta.get_json() == {"status": "queued"}
    assert "Set-Cookie" not in resposta.headers
    assert "Cookie" not in resposta.headers.get("Vary", "")
    assert whatsapp.client.get("/login").headers.get("Vary") == "Cookie"  # browser pages keep their session


def test_queue_down_answers_503_and_keeps_the_message(whatsapp, alfa, monkeypatch):
    import bot.routes

    def fila_fora(*args, **kwargs):
        raise ConnectionError("queue storage unreachable")

    monkeypatch.setattr(bot.routes, "process_message", fila_fora)
    resposta = whatsapp.postar(whatsapp.evento("ajuda"))
    assert resposta.status_code == 503
    assert "guardada" in resposta.get_json()["error"]
    assert [m.texto for m in mensagens()] == ["ajuda"]


def test_database_down_answers_503(make_app, evolution):
    from .conftest import WhatsApp, bot_settings

    app = make_app(**bot_settings(evolution, SQLALCHEMY_DATABASE_URI="sqlite:////proc/agentnfe-missing/db.sqlite"))
    with app.app_context():
        whatsapp = WhatsApp(app.test_client(), evolution)
        resposta = whatsapp.postar(whatsapp.evento("ajuda"))
        assert resposta.status_code == 503
        assert resposta.get_json()["error"].startswith("não foi possível guardar a mensagem")


def test_per_phone_throttle_answers_200_and_warns_once(make_app, evolution, alfa):
    from .conftest import WhatsApp, bot_settings

    app = make_app(**bot_settings(evolution, WEBHOOK_PHONE_LIMIT="3/minute"))
    with app.app_context():
        whatsapp = WhatsApp(app.test_client(), evolution)
        estados = [whatsapp.postar(whatsapp.evento("ajuda")).get_json()["status"] for _ in range(6)]
        assert estados == ["queued", "queued", "queued", "throttled", "throttled", "throttled"]
        avisos = [t for t in whatsapp.respostas() if t.startswith("Recebi muitas mensagens")]
        assert len(avisos) == 1
        assert len(mensagens()) == 3
        outro = whatsapp.postar(whatsapp.evento("ajuda", telefone="5511912345678")).get_json()
        assert outro == {"status": "queued"}
