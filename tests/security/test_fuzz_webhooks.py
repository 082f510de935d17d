"""Fuzzing the bodies every public endpoint reads: Evolution, Meta and PlugNotas webhooks and /send/.

Valid samples are mutated at random places with values of any JSON shape (deep, long, NUL, lone surrogates);
whatever comes in, the answer is never 5xx, and a refused body (4xx) leaves nothing stored.
"""

import copy
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentnfe.infra.extensions import db, limiter
from agentnfe.models import Mensagem

from ..conftest import API_TOKEN, WEBHOOK_TOKEN, assinar, meta_settings
from ..test_bot_meta_send import AMOSTRA

TEXTOS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "\ud800", "../../x", "a" * 5000, "ajuda", "5511987654321@s.whatsapp.net"]),
)
ESCALARES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXTOS)
VALORES = st.recursive(
    ESCALARES, lambda filhos: st.lists(filhos, max_size=4) | st.dictionaries(TEXTOS, filhos, max_size=4), max_leaves=12
)
CONFIG = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

EVOLUTION = {
    "event": "messages.upsert",
    "instance": "escritorio-silva",
    "data": {
        "key": {"remoteJid": "5511987654321@s.whatsapp.net", "fromMe": False, "id": "MSG1"},
        "message": {"conversation": "ajuda"},
        "messageType": "conversation",
    },
}
CAMINHOS_EVOLUTION = [
    (), ("event",), ("instance",), ("data",), ("data", "key"), ("data", "key", "id"), ("data", "key", "remoteJid"),
    ("data", "key", "fromMe"), ("data", "key", "remoteJidAlt"), ("data", "message"),
    ("data", "message", "conversation"), ("data", "message", "extendedTextMessage"), ("data", "messageType"),
]  # fmt: skip
CAMINHOS_META = [
    (), ("entry",), ("entry", 0), ("entry", 0, "changes"), ("entry", 0, "changes", 0),
    ("entry", 0, "changes", 0, "value"), ("entry", 0, "changes", 0, "value", "metadata"),
    ("entry", 0, "changes", 0, "value", "metadata", "phone_number_id"),
    ("entry", 0, "changes", 0, "value", "messages"), ("entry", 0, "changes", 0, "value", "messages", 0),
    ("entry", 0, "changes", 0, "value", "messages", 0, "id"), ("entry", 0, "changes", 0, "value", "messages", 0, "from"),
    ("entry", 0, "changes", 0, "value", "messages", 0, "type"), ("entry", 0, "changes", 0, "value", "messages", 0, "text"),
]  # fmt: skip


def mutado(base, mudancas) -> object:
    """`base` with each (path, value) applied; a path whose parent is gone by then is skipped."""
    corpo = copy.deepcopy(base)
    for caminho, valor in mudancas:
        if not caminho:
            corpo = valor
            continue
        pai = corpo
        try:
            for passo in caminho[:-1]:
                pai = pai[passo]
            pai[caminho[-1]] = valor
        except (KeyError, IndexError, TypeError):
            continue
    return corpo


def mudancas(caminhos):
    return st.lists(st.tuples(st.sampled_from(caminhos), VALORES), min_size=1, max_size=3)


def contar() -> int:
    return db.session.scalar(sa.select(sa.func.count(Mensagem.id)))


def conferir(resposta, antes: int) -> None:
    assert resposta.status_code < 500, (resposta.status_code, resposta.get_data(as_text=True)[:200])
    if resposta.status_code >= 400:
        assert contar() == antes, "a refused body stored something"
    db.session.rollback()


@pytest.fixture
def cliente(make_app, evolution):
    app = make_app(
        **meta_settings(evolution, PLUGNOTAS_WEBHOOK_TOKEN="token-plugnotas", WEBHOOK_PHONE_LIMIT="100000/minute")
    )
    with app.app_context():
        yield app.test_client()


def _bruto(corpo) -> bytes:
    return json.dumps(corpo).encode()


@CONFIG
@given(mudancas(CAMINHOS_EVOLUTION))
def test_evolution_webhook(cliente, lista):
    antes = contar()
    resposta = cliente.post(
        "/webhook/evolution",
        data=_bruto(mutado(EVOLUTION, lista)),
        headers={"X-Webhook-Token": WEBHOOK_TOKEN, "Content-Type": "application/json"},
    )
    conferir(resposta, antes)


@CONFIG
@given(mudancas(CAMINHOS_META))
def test_meta_webhook_signed(cliente, lista):
    antes = contar()
    bruto = _bruto(mutado(AMOSTRA, lista))
    resposta = cliente.post(
        "/webhook/meta", data=bruto, headers={"X-Hub-Signature-256": assinar(bruto), "Content-Type": "application/json"}
    )
    conferir(resposta, antes)


@CONFIG
@given(mudancas([(), ("id",), ("idIntegracao",), ("situacao",), ("extra",)]))
def test_plugnotas_webhook(cliente, lista):
    antes = contar()
    corpo = mutado({"id": "5f9c1b2e", "idIntegracao": "agentnfe-x", "situacao": "CONCLUIDO"}, lista)
    resposta = cliente.post(
        "/webhook/plugnotas",
        data=_bruto(corpo),
        headers={"X-Webhook-Token": "token-plugnotas", "Content-Type": "application/json"},
    )
    conferir(resposta, antes)


@CONFIG
@given(mudancas([(), ("telefone",), ("mensagem",), ("extra",)]))
def test_send(cliente, lista):
    limiter.reset()  # every example is a first request: the body is what is under test, not the rate limit
    antes = contar()
    corpo = mutado({"telefone": "5511987654321", "mensagem": "ajuda"}, lista)
    resposta = cliente.post(
        "/send/",
        data=_bruto(corpo),
        headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
    )
    conferir(resposta, antes)
