"""Browser tests: the app served by waitress on localhost, Debian's Chromium driven by Playwright."""

import socket
import threading
from pathlib import Path

import pytest
import waitress

from agentnfe.contas import criar_usuario
from agentnfe.infra.extensions import db
from agentnfe.models import ClienteTomador, FonteTomador, Papel, StatusNFSe, TipoDocumento

from .. import factories
from ..conftest import falta_no_ambiente

CHROMIUM = "/usr/bin/chromium"
ARTEFATOS = Path(__file__).resolve().parent.parent / "artifacts"
SENHA = "senha-forte-123"


def porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def servidor(make_app, brasilapi_padrao):
    """The app served by waitress on a free port, with firm A (admin user, a failed note) and firm B."""
    app = make_app(DASHBOARD_CACHE_SECONDS=1, WTF_CSRF_TIME_LIMIT=None, BRASILAPI_URL=brasilapi_padrao.url)
    with app.app_context():
        firma_a = factories.contabilidade(db.session, "Contábil Alfa")
        firma_b = factories.contabilidade(db.session, "Contábil Beta")
        empresa_b = factories.empresa(db.session, firma_b, razao_social="Empresa da Beta Ltda")
        antiga = factories.empresa(db.session, firma_a, razao_social="Padaria Antiga Ltda")
        nota = factories.nota(db.session, antiga, status=StatusNFSe.ERRO, mensagem_erro="gateway indisponível")
        nota.tomador = ClienteTomador(
            documento="12345678000195",
            tipo_documento=TipoDocumento.CNPJ,
            razao_social="Cliente Exemplo",
            fonte=FonteTomador.MANUAL,
        )
        nota.servico = antiga.servicos[0]
        criar_usuario(db.session, "ana@alfa.com.br", Papel.ADMIN, SENHA, "Contábil Alfa")
        db.session.commit()
        ids = {"empresa_b": empresa_b.id, "nota": nota.id}
    porta = porta_livre()
    server = waitress.create_server(app, host="127.0.0.1", port=porta, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{porta}", ids
    server.close()


@pytest.fixture
def pagina():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        falta_no_ambiente(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        navegador = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        contexto = navegador.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
        yield contexto.new_page()
        navegador.close()


def foto(pagina, nome: str) -> Path:
    ARTEFATOS.mkdir(exist_ok=True)
    destino = ARTEFATOS / f"{nome}.png"
    pagina.screenshot(path=str(destino), full_page=True)
    assert destino.stat().st_size > 15_000, f"{nome}.png looks blank"
    return destino


def numero(pagina, titulo: str) -> int:
    return int(pagina.locator(f'[data-numero="{titulo}"]').inner_text())


def dizer(pagina, texto: str, esperar: str) -> str:
    """Send `texto` in the chat simulator and wait for a reply containing `esperar`; returns the page's text."""
    pagina.fill("#mensagem", texto)
    pagina.press("#mensagem", "Enter")
    pagina.wait_for_selector(f"text={esperar}")
    return pagina.inner_text("body")


def escolher_empresa(pagina, campo: str, termo: str, nome: str) -> None:
    """Pick an empresa in a back-office picker that searches as the user types (Flask-Admin's select2 3 widget):
    open it, type part of the name or CNPJ, click the match."""
    pagina.click(f"#s2id_{campo} a.select2-choice")
    pagina.fill("#select2-drop input.select2-input", termo)
    pagina.click(f"#select2-drop .select2-result-label:has-text('{nome}')")
