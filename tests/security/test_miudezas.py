"""Smaller findings of the attack review: a login `next` that would split a header, a picker asked for a whole
firm at once, and server mode started without a gateway named."""

import pytest

from agentnfe.infra.config import ConfigError, load_settings
from agentnfe.infra.extensions import db

from .. import factories
from ..conftest import SENHA, csrf_de


@pytest.mark.parametrize("destino", ["/admin/\r\nSet-Cookie: x=1", "/admin/\x00", "//mal.example/", "/\\mal.example/"])
def test_a_login_next_that_is_not_a_plain_local_path_goes_to_the_dashboard(client, firmas, destino):
    pagina = client.get("/login")
    dados = {"email": "admin@a.com", "password": SENHA, "csrf_token": csrf_de(pagina.get_data(as_text=True))}
    resposta = client.post("/login", query_string={"next": destino}, data=dados)
    assert resposta.status_code == 302 and resposta.headers["Location"] == "/admin/"


def test_a_local_next_is_still_followed(client, firmas):
    pagina = client.get("/login")
    dados = {"email": "admin@a.com", "password": SENHA, "csrf_token": csrf_de(pagina.get_data(as_text=True))}
    resposta = client.post("/login", query_string={"next": "/admin/notas/?page=2"}, data=dados)
    assert resposta.headers["Location"] == "/admin/notas/?page=2"


def test_a_picker_lists_at_most_fifty_whatever_the_request_asks(client, auth, firmas):
    for k in range(60):
        factories.empresa(db.session, firmas["a"]["firma"], razao_social=f"Empresa Extra {k:02d}")
    db.session.commit()
    auth.login("admin@a.com")
    for pagina in ("/admin/certificados/ajax/lookup/", "/admin/emitir/ajax/lookup/"):
        resposta = client.get(pagina, query_string={"name": "empresa", "query": "Extra", "limit": 100000})
        assert resposta.status_code == 200 and 1 <= len(resposta.get_json()) <= 50, pagina


def test_server_mode_refuses_to_start_without_a_gateway(clean_env):
    with pytest.raises(ConfigError, match="NFSE_GATEWAY is required in server mode"):
        load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0", "NFSE_GATEWAY": "mock"})["NFSE_GATEWAY"] == "mock"
    assert load_settings({})["NFSE_GATEWAY"] == "mock"  # embedded: the mock by default
