"""Run-mode selection from the environment (README, "Configuration") and generated secrets."""

import os
import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from agentnfe.app import create_app
from agentnfe.infra import pasta, sqlite
from agentnfe.infra.config import ConfigError, load_settings
from agentnfe.infra.extensions import huey


def test_embedded_defaults(clean_env):
    settings = load_settings()
    assert settings["DATA_DIR"] == clean_env
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env / 'agentnfe.db'}"
    assert settings["CACHE_TYPE"] == "FileSystemCache"
    assert settings["CACHE_DIR"] == str(clean_env / "cache")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["HUEY_STORAGE"] == "sqlite"
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert settings["NFSE_GATEWAY"] == "mock"
    assert settings["SESSION_IDLE_MINUTES"] == 30
    assert settings["AGENTNFE_TIMEZONE"] == "America/Sao_Paulo"
    assert settings["OPENAI_MODEL"] == "gpt-4o-mini"
    assert settings["HUEY_IMMEDIATE"] is False
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["factory"] is sqlite.Conexao
    assert settings["WEBHOOK_PHONE_LIMIT"] == "20/minute"


def test_server_mode(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db.internal/agentnfe")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("NFSE_GATEWAY", "plugnotas")
    settings = load_settings()
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db.internal/agentnfe"
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 10
    assert settings["CACHE_TYPE"] == "RedisCache"
    assert settings["CACHE_REDIS_URL"] == "redis://cache.internal:6379/2"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert settings["HUEY_STORAGE"] == "redis"


def test_the_cache_may_live_on_its_own_redis_and_logs_follow_the_mode(clean_env, monkeypatch):
    assert (load_settings()["LOG_FORMAT"], load_settings()["LOG_LEVEL"]) == ("text", "INFO")
    monkeypatch.setenv("REDIS_URL", "redis://fila.internal:6379/0")
    monkeypatch.setenv("REDIS_CACHE_URL", "redis://cache.internal:6380/0")
    monkeypatch.setenv("NFSE_GATEWAY", "nacional")
    settings = load_settings()
    assert settings["CACHE_REDIS_URL"] == "redis://cache.internal:6380/0"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://fila.internal:6379/0" and settings["HUEY_STORAGE"] == "redis"
    assert settings["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "text")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert (load_settings()["LOG_FORMAT"], load_settings()["LOG_LEVEL"]) == ("text", "WARNING")


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_plain_postgres_urls_get_the_psycopg3_driver(clean_env, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("NFSE_GATEWAY", "sefaz", "NFSE_GATEWAY must be one of mock, plugnotas"),
        ("SESSION_IDLE_MINUTES", "meia hora", "SESSION_IDLE_MINUTES must be a whole number"),
        ("SESSION_IDLE_MINUTES", "0", "SESSION_IDLE_MINUTES must be greater than zero"),
        ("AGENTNFE_TIMEZONE", "Brasil/Lua", "AGENTNFE_TIMEZONE is not a known time zone"),
        ("AGENTNFE_ENCRYPTION_KEY", "not-a-key", "AGENTNFE_ENCRYPTION_KEY must be a Fernet key"),
        ("LLM_PRICE_INPUT_PER_MTOK", "barato", "LLM_PRICE_INPUT_PER_MTOK must be a decimal number"),
        ("WEBHOOK_PHONE_LIMIT", "muitas", "WEBHOOK_PHONE_LIMIT must be a rate like '20/minute'"),
    ],
)
def test_bad_settings_name_the_variable(clean_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def _preparadas() -> dict:
    settings = load_settings()
    pasta.preparar(settings)
    return settings


def test_loading_settings_touches_no_file(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("AGENTNFE_DATA_DIR", str(tmp_path / "nova"))
    settings = load_settings()
    assert not (tmp_path / "nova").exists()
    assert settings["SECRET_KEY"] is None and settings["AGENTNFE_ENCRYPTION_KEY"] is None


def test_secrets_are_generated_once_private_and_stable(clean_env):
    first = _preparadas()
    second = _preparadas()
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 48
    assert first["AGENTNFE_ENCRYPTION_KEY"] == second["AGENTNFE_ENCRYPTION_KEY"]
    Fernet(first["AGENTNFE_ENCRYPTION_KEY"])
    for name in ("secret_key", "encryption.key"):
        mode = stat.S_IMODE(os.stat(clean_env / name).st_mode)
        assert mode == 0o600


def test_secrets_from_the_environment_win(clean_env, monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SECRET_KEY", "s" * 50)
    monkeypatch.setenv("AGENTNFE_ENCRYPTION_KEY", key)
    settings = _preparadas()
    assert settings["SECRET_KEY"] == "s" * 50
    assert settings["AGENTNFE_ENCRYPTION_KEY"] == key
    assert not (clean_env / "secret_key").exists()


def test_processes_starting_together_agree_on_one_whole_secret(tmp_path):
    codigo = (
        "import sys; from pathlib import Path; from agentnfe.infra import pasta; "
        "print(pasta.segredo_persistente(Path(sys.argv[1]), 'encryption.key', "
        "lambda: __import__('cryptography.fernet').fernet.Fernet.generate_key().decode()))"
    )
    for rodada in range(5):
        destino = tmp_path / str(rodada)
        destino.mkdir()
        processos = [
            subprocess.Popen([sys.executable, "-c", codigo, str(destino)], stdout=subprocess.PIPE, text=True)
            for _ in range(6)
        ]
        lidas = {processo.communicate()[0].strip() for processo in processos}
        assert all(processo.returncode == 0 for processo in processos)
        assert len(lidas) == 1 and len(lidas.pop()) == 44
        assert sorted(p.name for p in destino.iterdir()) == ["encryption.key"]


def test_https_public_url_hardens_the_session_cookie(clean_env, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://nfe.example.com.br/")
    settings = load_settings()
    assert settings["PUBLIC_URL"] == "https://nfe.example.com.br"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True


def test_embedded_app_uses_sqlite_wal_and_the_sqlite_queue(clean_env):
    from huey.storage import SqliteStorage

    from agentnfe.infra.extensions import db

    app = create_app()
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    assert isinstance(huey.storage, SqliteStorage)
    assert huey.storage.filename == str(clean_env / "queue.db")
    # the queue's commits do not wait for the disk (a lost task's message is re-queued by the sweeper)
    assert huey.storage.conn.execute("PRAGMA synchronous").fetchone() == (1,)
    assert huey.storage.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert app.instance_path == str(clean_env)
