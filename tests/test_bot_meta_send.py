"""WhatsApp Cloud API webhook (Meta) and POST /send/."""

import json
from pathlib import Path

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Envio, Mensagem, Provider

from .conftest import API_TOKEN, TELEFONE, assinar, bot_settings

AMOSTRA = json.loads((Path(__file__).parent / "data/meta_cloud_webhook.json").read_text())


def postar_meta(client, corpo: dict, assinatura: str | None = None):
    bruto = json.dumps(corpo).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": assinatura or assinar(bruto)}
    return client.post("/webhook/meta", data=bruto, headers=headers)


def test_verify_handshake(meta_app):
    client = meta_app.test_client()
    ok = client.get("/webhook/meta?hub.mode=subscribe&hub.verify_token=verifica&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    assert client.get("/webhook/meta?hub.mode=subscribe&hub.verify_token=outro&hub.challenge=1").status_code == 403


def test_signature_is_checked_on_the_raw_body(meta_app):
    client = meta_app.test_client()
    assert postar_meta(client, AMOSTRA, assinatura="sha256=" + "0" * 64).status_code == 401
    assert postar_meta(client, AMOSTRA, assinatura=assinar(b"outro corpo")).status_code == 401
    bruto = json.dumps(AMOSTRA).encode()
    assert client.post("/webhook/meta", data=bruto, headers={"Content-Type": "application/json"}).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count(Mensagem.id))) == 0


def test_text_message_is_answered_through_the_cloud_api(alfa, meta_app, evolution):
    client = meta_app.test_client()
    resposta = postar_meta(client, AMOSTRA)
    assert resposta.status_code == 200 and resposta.get_json() == {"status": "queued"}
    assert postar_meta(client, AMOSTRA).get_json() == {"status": "duplicate"}
    [envio] = [r for r in evolution.requests if r["path"].endswith("/messages")]
    assert envio["path"] == "/v21.0/106540352242922/messages"
    assert envio["headers"]["Authorization"] == "Bearer token-meta"
    assert envio["json"]["to"] == TELEFONE and envio["json"]["messaging_product"] == "whatsapp"
    assert "Confira a nota" in envio["json"]["text"]["body"]
    saida = db.session.scalar(sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA))
    assert saida.provider is Provider.META and saida.envio is Envio.ENVIADA and saida.provider_id == "wamid.OUT1"


def test_status_updates_are_ignored(meta_app):
    statuses = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [{"field": "messages", "value": {"statuses": [{"id": "wamid.X", "status": "read"}]}}],
            }
        ],
    }
    resposta = postar_meta(meta_app.test_client(), statuses)
    assert resposta.status_code == 200 and resposta.get_json() == {"status": "ignored"}


def test_unsigned_meta_is_refused_when_no_secret_is_configured(bot):
    bruto = json.dumps(AMOSTRA).encode()
    resposta = bot.test_client().post("/webhook/meta", data=bruto, headers={"X-Hub-Signature-256": assinar(bruto)})
    assert resposta.status_code == 401


def send(client, corpo, token=API_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/send/", json=corpo, headers=headers)


def test_send_runs_the_engine_and_never_touches_whatsapp(bot, evolution, alfa):
    client = bot.test_client()
    resposta = send(
        client, {"telefone": "+55 (11) 98765-4321", "mensagem": "nota de 1500 para 12.345.678/0001-95 consultoria"}
    )
    assert resposta.status_code == 200
    corpo = resposta.get_json()
    assert corpo["estado"] == "CONFIRMACAO" and "Valor: R$ 1.500,00" in corpo["resposta"]
    corpo = send(client, {"telefone": TELEFONE, "mensagem": "sim"}).get_json()
    assert corpo["estado"] == "EMITINDO" and "Estou emitindo" in corpo["resposta"]
    assert evolution.requests == []
    linhas = db.session.execute(
        sa.select(Mensagem.direcao, Mensagem.provider, Mensagem.envio).order_by(Mensagem.id)
    ).all()
    assert [(d.value, p.value) for d, p, _ in linhas[:4]] == [
        ("in", "api"),
        ("out", "api"),
        ("in", "api"),
        ("out", "api"),
    ]
    assert all(envio in (None, Envio.ENVIADA) for _, _, envio in linhas)


def test_send_refuses_bad_tokens_and_bodies(make_app, evolution):
    app = make_app(**bot_settings(evolution))
    client = app.test_client()
    assert send(client, {"telefone": TELEFONE, "mensagem": "oi"}, token=None).status_code == 401
    assert send(client, {"telefone": TELEFONE, "mensagem": "oi"}, token="outro").status_code == 401
    assert send(client, {"telefone": TELEFONE}).status_code == 400
    assert send(client, {"telefone": TELEFONE, "mensagem": "   "}).status_code == 400
    ruim = send(client, {"telefone": "123", "mensagem": "oi"})
    assert ruim.status_code == 400 and "não é um telefone válido" in ruim.get_json()["error"]
    sem_api = make_app(**bot_settings(evolution, API_TOKEN=None)).test_client()
    assert send(sem_api, {"telefone": TELEFONE, "mensagem": "oi"}, token="qualquer").status_code == 401


def test_send_is_rate_limited_per_phone(bot, alfa):
    client = bot.test_client()
    for _ in range(30):
        assert send(client, {"telefone": TELEFONE, "mensagem": "ajuda"}).status_code == 200
    excesso = send(client, {"telefone": TELEFONE, "mensagem": "ajuda"})
    assert excesso.status_code == 429
    assert "muitas requisições" in excesso.get_json()["error"]
    assert send(client, {"telefone": "5511911112222", "mensagem": "ajuda"}).status_code == 200
