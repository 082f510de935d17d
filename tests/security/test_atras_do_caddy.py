"""Behind the shipped Caddy, through a real waitress: the app sees each client's own address (limits and lockouts
are per client, /metrics never answers through the proxy), and Caddy's access log keeps no secret."""

import json
import re
import stat

import httpx
import pytest

from agentnfe.emission import links
from agentnfe.infra.extensions import db
from agentnfe.models import StatusNFSe

from .. import factories
from ..conftest import API_TOKEN, SENHA, WEBHOOK_TOKEN, csrf_de
from .pilha_real import subir

pytestmark = pytest.mark.relogio_real  # serve and Caddy run on the machine's clock (signed links, lockouts)

TOKEN_PLUGNOTAS = "segredo-do-webhook-plugnotas"
TOKEN_VERIFICACAO_META = "segredo-da-verificacao-meta"


@pytest.fixture
def nota_com_pdf(firmas):
    nota = factories.nota(db.session, firmas["a"]["empresa"], status=StatusNFSe.CONCLUIDA, numero="77")
    db.session.commit()
    links.guardar_pdf(nota.id_integracao, b"%PDF-1.4 nota 77")
    return nota.id_integracao


@pytest.fixture
def pilha(firmas, nota_com_pdf, tmp_path):
    yield from subir(
        tmp_path,
        {
            "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
            "PLUGNOTAS_WEBHOOK_TOKEN": TOKEN_PLUGNOTAS,
            "API_TOKEN": API_TOKEN,
            "META_VERIFY_TOKEN": TOKEN_VERIFICACAO_META,
            "META_APP_SECRET": "segredo-do-app-meta",
        },
    )


def entrar(cliente, email: str, senha: str) -> int:
    pagina = cliente.get("/login")
    resposta = cliente.post("/login", data={"email": email, "password": senha, "csrf_token": csrf_de(pagina.text)})
    return resposta.status_code


# --- item 3: the client behind the proxy -------------------------------------------------------------------------------
def test_metrics_never_answer_through_caddy_but_do_on_loopback(pilha):
    with pilha.cliente() as cliente:
        assert cliente.get("/metrics").status_code == 403
    assert httpx.get(f"{pilha.url_app}/metrics", timeout=10).status_code == 200  # the local scraper still reads them
    rebind = httpx.get(f"{pilha.url_app}/metrics", headers={"Host": "rebind.evil.example:8000"}, timeout=10)
    assert rebind.status_code == 400  # a page on another name pointed at this machine reads nothing


def test_wrong_passwords_from_one_client_do_not_lock_the_owner_out_elsewhere(pilha):
    with pilha.cliente("127.0.0.2") as atacante, pilha.cliente("127.0.0.3") as dona:
        codigos = [entrar(atacante, "admin@a.com", f"chute{i}") for i in range(6)]
        assert codigos[:4] == [401] * 4 and 429 in codigos[4:]
        assert entrar(dona, "admin@a.com", SENHA) == 302


def test_junk_logins_from_one_client_do_not_limit_another(pilha):
    with pilha.cliente("127.0.0.4") as atacante, pilha.cliente("127.0.0.5") as outro:
        codigos = [entrar(atacante, f"ninguem{i}@x.com", "x") for i in range(21)]
        assert codigos[-1] == 429
        assert entrar(outro, "admin@b.com", SENHA) == 302


def test_bogus_pdf_links_from_one_client_do_not_block_valid_links_for_everyone(pilha, nota_com_pdf):
    with pilha.cliente("127.0.0.6") as atacante, pilha.cliente("127.0.0.7") as dono:
        codigos = [atacante.get(f"/n/falso{i}").status_code for i in range(61)]
        assert codigos[-1] == 429
        resposta = dono.get("/n/" + links.link_pdf(nota_com_pdf).rsplit("/n/", 1)[1])
        assert resposta.status_code == 200 and resposta.content.startswith(b"%PDF")


# --- item 7: Caddy's access log ---------------------------------------------------------------------------------------
def test_the_access_log_keeps_no_token_and_no_pdf_link_and_is_not_world_readable(pilha, nota_com_pdf):
    token_pdf = links.link_pdf(nota_com_pdf).rsplit("/n/", 1)[1]
    with pilha.cliente() as cliente:
        cliente.post("/webhook/evolution", json={"event": "x"}, headers={"X-Webhook-Token": WEBHOOK_TOKEN})
        cliente.post("/webhook/plugnotas", json={"id": "1"}, headers={"X-Webhook-Token": TOKEN_PLUGNOTAS})
        cliente.post("/send/", json={}, headers={"Authorization": f"Bearer {API_TOKEN}"})
        cliente.get("/webhook/meta", params={"hub.mode": "subscribe", "hub.verify_token": TOKEN_VERIFICACAO_META,
                                             "hub.challenge": "42"})  # fmt: skip
        assert cliente.get(f"/n/{token_pdf}").status_code == 200
        assert cliente.get(f"/n/{token_pdf}?baixar=1").status_code == 200
        entrar(cliente, "admin@a.com", SENHA)
        cliente.get("/admin/")
    pilha.parar_caddy()  # flushes the log
    texto = pilha.log.read_text()
    linhas = [json.loads(linha) for linha in texto.splitlines()]
    assert len(linhas) >= 8, texto
    for segredo in (WEBHOOK_TOKEN, TOKEN_PLUGNOTAS, API_TOKEN, TOKEN_VERIFICACAO_META, token_pdf):
        assert segredo not in texto
    assert "session=" not in texto  # the login cookie
    uris = [linha["request"]["uri"] for linha in linhas]
    assert any(re.fullmatch(r"/n/[^/?]*REDACTED[^/]*", uri) for uri in uris), uris  # still says what was asked
    assert any(uri.startswith("/webhook/meta?") and "hub.challenge=42" in uri for uri in uris), uris
    modo = stat.S_IMODE(pilha.log.stat().st_mode)
    assert modo & 0o007 == 0, oct(modo)
