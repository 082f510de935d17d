"""Logins that cannot be locked or probed by others, sessions that end, and pages that cannot be framed."""

import time

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import User

from ..conftest import API_TOKEN, SENHA, Auth, bot_settings, csrf_de


def tentar(client, email, senha, cliente=None):
    """POST /login as a browser at `cliente` (behind the trusted proxy) would."""
    pagina = client.get("/login")
    cabecalhos = {"X-Forwarded-For": cliente} if cliente else {}
    dados = {"email": email, "password": senha, "csrf_token": csrf_de(pagina.get_data(as_text=True))}
    return client.post("/login", data=dados, headers=cabecalhos)


@pytest.fixture
def atras_do_caddy(make_app, firmas):
    """The app as deployed behind Caddy: every request arrives from 127.0.0.1, which is a trusted proxy."""
    from agentnfe.infra.proxies import parse_proxies

    app = make_app(TRUSTED_PROXIES=parse_proxies("127.0.0.1"))
    with app.app_context():
        yield app


# --- 5. failed logins slow down their own (e-mail, client), never the right password elsewhere -----------------------
def test_wrong_passwords_from_one_client_do_not_block_the_owner_elsewhere(atras_do_caddy):
    atacante, dona = atras_do_caddy.test_client(), atras_do_caddy.test_client()
    codigos = [tentar(atacante, "admin@a.com", f"chute{i}", "203.0.113.7").status_code for i in range(8)]
    assert codigos[:4] == [401] * 4 and 429 in codigos[4:]  # 3 free tries, then growing waits for the attacker
    assert tentar(dona, "admin@a.com", SENHA, "198.51.100.20").status_code == 302  # the owner, from her office


def test_the_wait_grows_and_passes(atras_do_caddy, monkeypatch):
    client = atras_do_caddy.test_client()
    agora = [time.time()]
    monkeypatch.setattr(time, "time", lambda: agora[0])
    for i in range(4):
        assert tentar(client, "admin@a.com", f"x{i}", "203.0.113.7").status_code == 401
    resposta = tentar(client, "admin@a.com", SENHA, "203.0.113.7")
    assert resposta.status_code == 429 and "Tente de novo em 2 s" in resposta.get_data(as_text=True)
    agora[0] += 3
    assert tentar(client, "admin@a.com", "x4", "203.0.113.7").status_code == 401
    resposta = tentar(client, "admin@a.com", SENHA, "203.0.113.7")
    assert "Tente de novo em 4 s" in resposta.get_data(as_text=True)  # 2, 4, 8… seconds, never a lockout
    agora[0] += 5
    assert tentar(client, "admin@a.com", SENHA, "203.0.113.7").status_code == 302


def test_twenty_logins_from_one_client_do_not_block_everyone(atras_do_caddy):
    client = atras_do_caddy.test_client()
    for i in range(21):
        tentar(client, f"ninguem{i}@x.com", "x", "203.0.113.7")
    assert tentar(client, "admin@a.com", "x", "203.0.113.7").status_code == 429  # that client is limited…
    assert tentar(client, "admin@b.com", SENHA, "198.51.100.20").status_code == 302  # …nobody else


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(client, firmas):
    for i in range(21):
        tentar(client, f"ninguem{i}@x.com", "x", f"203.0.113.{i}")  # a new address per try: not believed
    assert tentar(client, "admin@a.com", SENHA, "198.51.100.20").status_code == 429


def test_unauthenticated_send_calls_do_not_spend_the_tokens_limit(make_app, evolution, firmas):
    app = make_app(**bot_settings(evolution))
    with app.app_context():
        client = app.test_client()
        corpo = {"telefone": "5511900000097", "mensagem": "ajuda"}
        for _ in range(31):
            assert client.post("/send/", json=corpo, headers={"Authorization": "Bearer errado"}).status_code == 401
        resposta = client.post("/send/", json=corpo, headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert resposta.status_code == 200, resposta.get_json()
        for _ in range(30):
            client.post("/send/", json=corpo, headers={"Authorization": "Bearer errado"})
        assert client.post("/send/", json=corpo, headers={"Authorization": "Bearer errado"}).status_code == 429


# --- 6. the time of a failed login does not tell whether the e-mail exists -------------------------------------------
def test_an_unknown_email_costs_a_password_check_too(client, firmas, monkeypatch):
    import admin.auth

    verificados = []
    real = admin.auth.check_password_hash
    monkeypatch.setattr(admin.auth, "check_password_hash", lambda h, s: verificados.append(h) or real(h, s))
    assert tentar(client, "ninguem@x.com", "qualquer").status_code == 401
    real_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == "admin@a.com"))
    assert len(verificados) == 1 and verificados[0].split("$")[0] == real_hash.split("$")[0]  # same method and cost


# --- 7. sessions end at logout and at a password change -------------------------------------------------------------
def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_copied_before_logout_no_longer_opens_the_admin(app, client, auth, firmas):
    auth.login("admin@a.com")
    copiado = _cookie(client)
    assert client.get("/admin/empresas/").status_code == 200
    client.post("/logout", data={"csrf_token": auth.csrf()})
    ladrao = app.test_client()
    ladrao.set_cookie("session", copiado)
    assert ladrao.get("/admin/empresas/").status_code == 302


def test_a_password_change_ends_the_other_sessions_only(app, client, auth, firmas):
    outro = app.test_client()
    Auth(outro).login("admin@a.com")
    auth.login("admin@a.com")
    token = auth.csrf("/conta/senha")
    resposta = client.post(
        "/conta/senha",
        data={"csrf_token": token, "atual": SENHA, "nova": "outra-senha-456", "confirmacao": "outra-senha-456"},
    )
    assert resposta.status_code == 302
    assert client.get("/admin/empresas/").status_code == 200  # this session goes on
    assert outro.get("/admin/empresas/").status_code == 302  # the other one ended


def test_deactivating_a_user_ends_their_session(app, client, auth, firmas):
    contador = app.test_client()
    Auth(contador).login("contador@a.com")
    assert contador.get("/admin/empresas/").status_code == 200
    auth.login("admin@a.com")
    alvo = db.session.query(User).filter_by(email="contador@a.com").one()
    url = f"/admin/usuarios/edit/?id={alvo.id}"
    client.post(url, data={"csrf_token": auth.csrf(url), "email": "contador@a.com", "role": "contador"})
    assert contador.get("/admin/empresas/").status_code == 302


# --- 9. no page of the app can be framed -------------------------------------------------------------------------------
@pytest.mark.parametrize("caminho", ["/login", "/admin/", "/admin/empresas/", "/healthz"])
def test_pages_refuse_to_be_framed_and_sniffed(client, auth, firmas, caminho):
    auth.login("admin@a.com")
    resposta = client.get(caminho)
    assert resposta.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resposta.headers["Content-Security-Policy"]
    assert resposta.headers["X-Content-Type-Options"] == "nosniff"


def test_trusted_proxies_must_be_addresses(clean_env, monkeypatch):
    from agentnfe.infra.config import ConfigError, load_settings

    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, caddy")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES.*'caddy'"):
        load_settings()
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert len(load_settings()["TRUSTED_PROXIES"]) == 2
