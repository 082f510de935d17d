"""Fixtures: an app on a fresh database (SQLite by default, PostgreSQL/Redis when TEST_* are set)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from agentnfe.app import create_app
from agentnfe.infra.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")

# Every variable of docs/arquitetura.md §5: tests start from the embedded defaults whatever the shell has.
CONTRACT_VARIABLES = (
    "AGENTNFE_DATA_DIR DATABASE_URL REDIS_URL SECRET_KEY AGENTNFE_ENCRYPTION_KEY PUBLIC_URL OPENAI_API_KEY "
    "OPENAI_BASE_URL OPENAI_MODEL LLM_PRICE_INPUT_PER_MTOK LLM_PRICE_OUTPUT_PER_MTOK EVOLUTION_API_URL "
    "EVOLUTION_API_KEY EVOLUTION_INSTANCE WEBHOOK_TOKEN META_APP_SECRET META_VERIFY_TOKEN META_ACCESS_TOKEN "
    "META_PHONE_NUMBER_ID META_API_URL BRASILAPI_URL NFSE_GATEWAY PLUGNOTAS_URL PLUGNOTAS_API_KEY "
    "PLUGNOTAS_WEBHOOK_TOKEN API_TOKEN SESSION_IDLE_MINUTES AGENTNFE_TIMEZONE HUEY_IMMEDIATE TRUSTED_PROXIES "
    "MAX_BODY_KB IMPORT_MAX_MB DELIVERY_RETRY_HOURS LOG_FORMAT LOG_LEVEL REDIS_CACHE_URL METRICS_TOKEN "
    "PROMETHEUS_MULTIPROC_DIR ALLOWED_HOSTS"
).split()


RELOGIO_ADIANTADO_DIAS = int(os.environ.get("AGENTNFE_RELOGIO_ADIANTADO_DIAS") or 0)
"""Days Python's clock is moved ahead for the whole run (.ci/run's third run: 365). The suite must pass on any
day; the tests marked `relogio_real` (TLS certificates, other processes, the browser: they live on the machine's
clock) are left out of that run and run in the other two."""


@pytest.fixture(scope="session", autouse=True)
def relogio_adiantado():
    if not RELOGIO_ADIANTADO_DIAS:
        yield
        return
    from datetime import UTC, timedelta

    import time_machine

    with time_machine.travel(datetime.now(UTC) + timedelta(days=RELOGIO_ADIANTADO_DIAS), tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def senhas_baratas():
    """Passwords hashed with a cheap method in tests: the product's scrypt costs ~70 ms per hash and check."""
    from agentnfe.models import contas

    contas.METODO_SENHA = "pbkdf2:sha256:1000"
    yield
    contas.METODO_SENHA = "scrypt"


def falta_no_ambiente(motivo: str):
    """A test needs what this machine lacks (Chromium, root to mount a tmpfs): a visible skip on a developer's
    machine, a failure where the run must be complete (`.ci/run` sets AGENTNFE_TESTES_COMPLETOS=1)."""
    if os.environ.get("AGENTNFE_TESTES_COMPLETOS") == "1":
        pytest.fail(motivo)
    pytest.skip(motivo)


def pytest_configure(config):
    from agentnfe import models  # noqa: F401

    from . import escritores

    escritores.instalar(db.Model)


def pytest_sessionfinish(session, exitstatus):
    """A table written by a module tests/test_escritores.py does not name fails the run."""
    from . import escritores
    from .test_escritores import violacoes

    if os.environ.get("ESCRITORES_JSON"):  # the whole map as the run saw it, for whoever updates the list
        import json

        Path(os.environ["ESCRITORES_JSON"]).write_text(json.dumps(escritores.vistos, indent=1, sort_keys=True))
    erradas = violacoes(escritores.vistos)
    if erradas:
        relatorio = session.config.pluginmanager.get_plugin("terminalreporter")
        relatorio.write_line(
            "Tables written by a module that is not their writer (tests/test_escritores.py):", red=True
        )
        for linha in erradas:
            relatorio.write_line(f"  {linha}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config):
    database = "PostgreSQL " + TEST_DATABASE_URL if TEST_DATABASE_URL else "SQLite (embedded)"
    return f"agentnfe: database {database}; redis {TEST_REDIS_URL or 'not used (embedded)'}"


# External services point at a closed local port unless a test starts a fake: no test reaches the internet.
CLOSED = "http://127.0.0.1:9"
NO_EXTERNAL_SERVICES = {
    "BRASILAPI_URL": CLOSED,
    "PLUGNOTAS_URL": CLOSED,
    "META_API_URL": CLOSED,
    "OPENAI_BASE_URL": CLOSED + "/v1",
}


def run_scheduled(limit: int = 50) -> int:
    """Run the tasks scheduled for later (status polls, retries) now, as a consumer would when due."""
    from datetime import datetime

    from agentnfe.infra.extensions import huey

    far = datetime(2100, 1, 1)
    executed = 0
    for _ in range(limit):
        tasks = huey.read_schedule(far)
        if not tasks:
            break
        for task in tasks:
            huey.execute(task, timestamp=far)
            executed += 1
    return executed


INSTANTES = {
    "2027-03-01": datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo")),
    "2026-12-31T23:59": datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("America/Sao_Paulo")),
}
"""Fixed instants the conversation tests run at: a March 1st ("março" is this month) and the last minute of a
year in São Paulo (UTC is already the next year)."""


@pytest.fixture(params=list(INSTANTES))
def num_instante(request):
    """The whole test (app, fakes and database timestamps) at a fixed instant, clock frozen."""
    import time_machine

    with time_machine.travel(INSTANTES[request.param], tick=False):
        yield INSTANTES[request.param]


@pytest.fixture
def clean_env(monkeypatch, tmp_path) -> Path:
    """Remove the contract variables and point the data dir at a temporary folder."""
    for name in CONTRACT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("AGENTNFE_DATA_DIR", str(data_dir))
    return data_dir


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path | None:
    """Run the migrations once per test run: a template SQLite file, or a recreated PostgreSQL schema."""
    data_dir = tmp_path_factory.mktemp("template")
    overrides = {"DATA_DIR": data_dir}
    if TEST_DATABASE_URL:
        engine = sa.create_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        overrides["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL
    _migrate(create_app(overrides))
    return None if TEST_DATABASE_URL else data_dir / "agentnfe.db"


def _empty_postgres() -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _empty_redis() -> None:
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    client.close()


class ClienteDeTeste(FlaskClient):
    """Each request in an app context of its own, as in production: nothing a request keeps in `g` (the
    logged-in user, the CSRF token) or in its database session reaches the next request or the test."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(clean_env, monkeypatch, migrated_template):
    """Factory for apps on the migrated test database; keyword arguments override settings."""
    apps = []
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
        _empty_postgres()
    else:
        clean_env.mkdir(parents=True, exist_ok=True)
        shutil.copy(migrated_template, clean_env / "agentnfe.db")
    if TEST_REDIS_URL:
        monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
        monkeypatch.setenv("NFSE_GATEWAY", "mock")  # required in server mode; tests say it explicitly
        _empty_redis()

    def factory(**overrides):
        settings = {"TESTING": True, "HUEY_IMMEDIATE": True, **NO_EXTERNAL_SERVICES}
        if not TEST_REDIS_URL:
            settings["CACHE_TYPE"] = "SimpleCache"
        settings.update(overrides)
        application = create_app(settings)
        application.test_client_class = ClienteDeTeste
        apps.append(application)
        return application

    yield factory
    for application in apps:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    application = make_app()
    with application.app_context():
        yield application
        db.session.rollback()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- the bot: fake Evolution/OpenAI servers, an app wired to them, a WhatsApp driver ----------------------
TELEFONE = "5511987654321"
WEBHOOK_TOKEN = "token-do-webhook"
API_TOKEN = "token-da-api"


def _servindo(criar):
    """Run a local fake server for one test."""
    servidor = criar()
    yield servidor
    servidor.close()


@pytest.fixture
def evolution():
    from .fakes import FakeEvolution

    yield from _servindo(FakeEvolution)


@pytest.fixture
def openai_fake():
    from .fakes import FakeOpenAI

    yield from _servindo(FakeOpenAI)


_BRASILAPI: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def brasilapi_padrao():
    """A BrasilAPI that knows every CNPJ (the sample's company), for apps that do not start their own."""
    import json

    from .fakes import FakeBrasilAPI

    servidor = FakeBrasilAPI(json.loads((Path(__file__).parent / "data/brasilapi_cnpj_200.json").read_text()))
    _BRASILAPI["url"] = servidor.url
    yield servidor
    servidor.close()


def bot_settings(evolution, **extra) -> dict:
    return {
        "BRASILAPI_URL": _BRASILAPI["url"],
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "API_TOKEN": API_TOKEN,
        "EVOLUTION_API_URL": evolution.url,
        "EVOLUTION_API_KEY": "chave-evolution",
        "EVOLUTION_INSTANCE": "principal",
        **extra,
    }


@pytest.fixture
def bot(make_app, evolution):
    """An app whose replies go to the fake Evolution server and CNPJ lookups to a fake BrasilAPI (tasks inline)."""
    application = make_app(**bot_settings(evolution))
    with application.app_context():
        yield application
        db.session.rollback()


class WhatsApp:
    """Sends Evolution webhooks like a phone would and reads what the fake Evolution received."""

    def __init__(self, client, evolution):
        self.client = client
        self.evolution = evolution
        self.contador = 0

    def evento(self, texto: str | None = None, telefone: str = TELEFONE, **mudancas) -> dict:
        self.contador += 1
        data = {
            "key": {"remoteJid": f"{telefone}@s.whatsapp.net", "fromMe": False, "id": f"MSG{self.contador:05d}"},
            "pushName": "Maria Souza",
            "message": {"conversation": texto},
            "messageType": "conversation",
            "messageTimestamp": 1795777200,
        }
        for chave, valor in mudancas.items():
            data[chave] = valor
        return {"event": "messages.upsert", "instance": "escritorio-silva", "data": data}

    def postar(self, corpo, token: str | None = WEBHOOK_TOKEN):
        headers = {"X-Webhook-Token": token} if token else {}
        return self.client.post("/webhook/evolution", json=corpo, headers=headers)

    def enviar(self, texto: str, telefone: str = TELEFONE) -> str:
        """Send a text and return the bot's reply (the last text the fake server got for this phone)."""
        antes = len(self.evolution.enviados(normalizar(telefone)))
        resposta = self.postar(self.evento(texto, telefone))
        assert resposta.status_code == 200, resposta.get_json()
        assert resposta.get_json()["status"] == "queued", resposta.get_json()
        novas = self.evolution.enviados(normalizar(telefone))[antes:]
        return "\n---\n".join(novas)

    def respostas(self, telefone: str = TELEFONE) -> list[str]:
        return self.evolution.enviados(normalizar(telefone))


def normalizar(telefone: str) -> str:
    from agentnfe.fiscal import normalizar_telefone

    return normalizar_telefone(telefone)


@pytest.fixture
def whatsapp(bot, evolution):
    return WhatsApp(bot.test_client(), evolution)


@pytest.fixture
def alfa(bot):
    """Alfa Consultoria (Simples, ISS 2%) with the authorized phone TELEFONE."""
    from . import factories

    empresa = factories.empresa(db.session, razao_social="Alfa Consultoria Ltda", cnpj="11222333000181")
    factories.telefone(db.session, empresa, TELEFONE)
    db.session.commit()
    return empresa


# --- emission: fake PlugNotas and BrasilAPI, an app wired to them ---------------------------------------------
@pytest.fixture
def plugnotas():
    from .fakes import FakePlugNotas

    yield from _servindo(FakePlugNotas)


@pytest.fixture
def brasilapi():
    import json

    from .fakes import FakeBrasilAPI

    amostra = json.loads((Path(__file__).parent / "data/brasilapi_cnpj_200.json").read_text())
    yield from _servindo(lambda: FakeBrasilAPI(amostra))


def com_certificado(empresa_id: int) -> None:
    """Give the empresa a valid A1 certificate (made for the test)."""
    from datetime import UTC, datetime

    from agentnfe.emission import certificados
    from agentnfe.models import Empresa

    from .certs import gerar_pfx

    empresa = db.session.get(Empresa, empresa_id)
    certificados.adicionar(db.session, empresa, gerar_pfx(empresa.cnpj), "senha-do-cert", datetime.now(UTC).date())
    db.session.commit()


@pytest.fixture
def gateway_app(make_app, evolution, plugnotas, brasilapi, alfa):
    """NFSE_GATEWAY=plugnotas against the fakes; Alfa has a valid certificate."""
    from .fakes import FakePlugNotas

    app = make_app(
        **bot_settings(
            evolution,
            NFSE_GATEWAY="plugnotas",
            PLUGNOTAS_URL=plugnotas.url,
            PLUGNOTAS_API_KEY=FakePlugNotas.API_KEY,
            PLUGNOTAS_WEBHOOK_TOKEN="token-plugnotas",
            BRASILAPI_URL=brasilapi.url,
            GATEWAY_TIMEOUT=1.0,
            HTTP_TIMEOUT=1.0,
        )
    )
    with app.app_context():
        com_certificado(alfa.id)
        yield app


SEGREDO_META = "segredo-do-app"


def meta_settings(evolution, **extra) -> dict:
    """The bot's settings with WhatsApp Cloud API (Meta) pointed at the fake server."""
    return bot_settings(
        evolution,
        META_APP_SECRET=SEGREDO_META,
        META_VERIFY_TOKEN="verifica",
        META_ACCESS_TOKEN="token-meta",
        META_PHONE_NUMBER_ID="106540352242922",
        META_API_URL=evolution.url,
        **extra,
    )


@pytest.fixture
def meta_app(make_app, evolution):
    app = make_app(**meta_settings(evolution))
    with app.app_context():
        yield app


def assinar(corpo: bytes, segredo: str = SEGREDO_META) -> str:
    """`X-Hub-Signature-256` of a body, as Meta signs it."""
    import hashlib
    import hmac

    return "sha256=" + hmac.new(segredo.encode(), corpo, hashlib.sha256).hexdigest()


@pytest.fixture
def wa(gateway_app, evolution):
    """A phone talking to the bot of `gateway_app` (emission through the fake PlugNotas)."""
    return WhatsApp(gateway_app.test_client(), evolution)


def criar_nota(empresa_id: int, valor: str = "1500.00", status=None) -> int:
    """A note of the empresa for the tomador 12.345.678/0001-95, in the given status (pendente by default)."""
    import sqlalchemy as sa

    from agentnfe.models import ClienteTomador, Empresa, FonteTomador, TipoDocumento

    from . import factories

    extra = {"status": status} if status else {}
    registro = factories.nota(db.session, db.session.get(Empresa, empresa_id), valor=valor, **extra)
    tomador = db.session.scalar(sa.select(ClienteTomador).where(ClienteTomador.documento == "12345678000195"))
    registro.tomador = tomador or ClienteTomador(
        documento="12345678000195", tipo_documento=TipoDocumento.CNPJ, fonte=FonteTomador.MANUAL
    )
    registro.servico = registro.empresa.servicos[0]
    db.session.commit()
    return registro.id


# --- the back-office: users of two firms and a logged-in browser-like client ------------------------------------
SENHA = "senha-forte-123"


def csrf_de(html: str) -> str:
    import re

    achado = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert achado, "page without a CSRF token"
    return achado.group(1)


class Auth:
    """Logs a test client in and out through the real form (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = SENHA):
        pagina = self.client.get("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_de(pagina.get_data(as_text=True))}
        )

    def csrf(self, url: str = "/admin/") -> str:
        return csrf_de(self.client.get(url).get_data(as_text=True))


@pytest.fixture
def firmas(app):
    """Two firms, each with an admin, a contador and data of their own; plus a support user and the operator."""
    from agentnfe.contas import criar_usuario
    from agentnfe.models import Papel

    from . import factories

    resultado = {}
    for nome, sufixo in (("Firma A", "a"), ("Firma B", "b")):
        firma = factories.contabilidade(db.session, nome)
        empresa = factories.empresa(db.session, firma, razao_social=f"Empresa {sufixo.upper()} Ltda")
        factories.telefone(db.session, empresa, f"55119000000{ord(sufixo) % 100:02d}")
        criar_usuario(db.session, f"admin@{sufixo}.com", Papel.ADMIN, SENHA, nome)
        criar_usuario(db.session, f"contador@{sufixo}.com", Papel.CONTADOR, SENHA, nome)
        resultado[sufixo] = {"firma": firma, "empresa": empresa}
    criar_usuario(db.session, "suporte@op.com", Papel.SUPORTE, SENHA)
    criar_usuario(db.session, "root@op.com", Papel.ADMIN, SENHA, superuser=True)
    db.session.commit()
    return resultado


@pytest.fixture
def auth(client):
    return Auth(client)


def em_paralelo(app, funcao, quantos: int) -> list[Exception]:
    """Run `funcao` in `quantos` threads released together, each in its own app context; returns errors."""
    import threading

    largada = threading.Barrier(quantos)
    erros: list[Exception] = []

    def executar():
        with app.app_context():
            try:
                largada.wait()
                funcao()
            except Exception as erro:  # collected for the test to report
                erros.append(erro)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=executar) for _ in range(quantos)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return erros
