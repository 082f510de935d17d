"""Settings from the environment, with embedded defaults for a fresh machine (README, "Configuration").

Loading is pure: it reads and checks, and touches no file. The data dir and the secrets kept in it (when the
environment gives none) are prepared by agentnfe.infra.pasta at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from cryptography.fernet import Fernet

from agentnfe.infra import sqlite
from agentnfe.infra.proxies import parse_proxies

GATEWAYS = ("mock", "plugnotas", "nacional")
PLUGNOTAS_SANDBOX_URL = "https://api.sandbox.plugnotas.com.br"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on", "sim"}


def _limite(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate in the `limits` notation ("20/minute", "5 per second")."""
    from limits import parse

    raw = (env.get(name) or "").strip() or default
    try:
        parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate like '20/minute', got {raw!r}") from None
    return raw


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero, got {value}")
    return value


def _price(env: Mapping[str, str], name: str, default: str) -> str:
    from decimal import Decimal, InvalidOperation

    raw = env.get(name) or default
    try:
        Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a decimal number of US$ per million tokens, got {raw!r}") from None
    return raw


def database_url(url: str) -> str:
    """Accept plain postgres:// URLs and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1")
"""Always accepted: the desktop's own browser, Caddy's health checks and the local /metrics scraper use them."""


def hosts_aceitos(public_url: str, extra: str | None) -> list[str]:
    """Host headers the app answers (agentnfe/infra/hosts.py; anything else is 400): PUBLIC_URL's host, the loopback
    names and ALLOWED_HOSTS (comma-separated; `.example.com` also admits its subdomains). A page on another name
    that resolves to this machine (DNS rebinding) reaches nothing."""
    publico = urlsplit(public_url).hostname
    if not publico:
        raise ConfigError(f"PUBLIC_URL has no host name: {public_url!r}")
    hosts = [publico if ":" not in publico else f"[{publico}]", *LOOPBACK]
    for parte in (extra or "").split(","):
        host = parte.strip().lower()
        if not host:
            continue
        if not re.fullmatch(r"\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]", host):
            raise ConfigError(f"ALLOWED_HOSTS has an entry that is not a host name: {parte.strip()!r}")
        hosts.append(host)
    return list(dict.fromkeys(hosts))


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("agentnfe", appauthor=False))


def load_settings(env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config dict from `env` (default: os.environ) and explicit overrides. SECRET_KEY and
    AGENTNFE_ENCRYPTION_KEY stay None when neither gives them: agentnfe.infra.pasta.preparar reads them from the
    data dir."""
    env = dict(os.environ if env is None else env)
    overrides = dict(overrides or {})
    data_dir = Path(overrides.pop("DATA_DIR", None) or env.get("AGENTNFE_DATA_DIR") or default_data_dir())

    redis_url = overrides.get("REDIS_URL", env.get("REDIS_URL") or None)
    if redis_url and not (env.get("NFSE_GATEWAY") or "").strip() and "NFSE_GATEWAY" not in overrides:
        raise ConfigError(
            "NFSE_GATEWAY is required in server mode (REDIS_URL is set): plugnotas or nacional; set mock explicitly "
            "only for tests and demos (mock notes are not fiscal documents)"
        )
    gateway = (env.get("NFSE_GATEWAY") or "mock").strip().lower()
    if gateway not in GATEWAYS:
        raise ConfigError(f"NFSE_GATEWAY must be one of {', '.join(GATEWAYS)}, got {gateway!r}")
    try:
        proxies = parse_proxies(env.get("TRUSTED_PROXIES"))
    except ValueError as erro:
        raise ConfigError(str(erro)) from None
    timezone = env.get("AGENTNFE_TIMEZONE") or "America/Sao_Paulo"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"AGENTNFE_TIMEZONE is not a known time zone: {timezone!r}") from None

    settings: dict[str, Any] = {
        "DATA_DIR": data_dir,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'agentnfe.db'}"),
        "REDIS_URL": redis_url,
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        "PUBLIC_URL_DEFINIDO": bool(env.get("PUBLIC_URL")),
        "OPENAI_API_KEY": env.get("OPENAI_API_KEY") or None,
        "OPENAI_BASE_URL": env.get("OPENAI_BASE_URL") or None,
        "OPENAI_MODEL": env.get("OPENAI_MODEL") or "gpt-4o-mini",
        "OPENAI_TIMEOUT": 20.0,
        "HTTP_TIMEOUT": 10.0,
        "GATEWAY_TIMEOUT": 30.0,
        "DASHBOARD_CACHE_SECONDS": 60,
        "LLM_PRICE_INPUT_PER_MTOK": _price(env, "LLM_PRICE_INPUT_PER_MTOK", "0.15"),
        "LLM_PRICE_OUTPUT_PER_MTOK": _price(env, "LLM_PRICE_OUTPUT_PER_MTOK", "0.60"),
        "EVOLUTION_API_URL": (env.get("EVOLUTION_API_URL") or "").rstrip("/") or None,
        "EVOLUTION_API_KEY": env.get("EVOLUTION_API_KEY") or None,
        "EVOLUTION_INSTANCE": env.get("EVOLUTION_INSTANCE") or None,
        "WEBHOOK_TOKEN": env.get("WEBHOOK_TOKEN") or None,
        "META_APP_SECRET": env.get("META_APP_SECRET") or None,
        "META_VERIFY_TOKEN": env.get("META_VERIFY_TOKEN") or None,
        "META_ACCESS_TOKEN": env.get("META_ACCESS_TOKEN") or None,
        "META_PHONE_NUMBER_ID": env.get("META_PHONE_NUMBER_ID") or None,
        "META_API_URL": (env.get("META_API_URL") or "https://graph.facebook.com").rstrip("/"),
        "BRASILAPI_URL": (env.get("BRASILAPI_URL") or "https://brasilapi.com.br").rstrip("/"),
        "NFSE_GATEWAY": gateway,
        "PLUGNOTAS_URL": (env.get("PLUGNOTAS_URL") or PLUGNOTAS_SANDBOX_URL).rstrip("/"),
        "PLUGNOTAS_API_KEY": env.get("PLUGNOTAS_API_KEY") or None,
        "PLUGNOTAS_WEBHOOK_TOKEN": env.get("PLUGNOTAS_WEBHOOK_TOKEN") or None,
        "NACIONAL_SEFIN_URL": (env.get("NACIONAL_SEFIN_URL") or "").rstrip("/") or None,
        "NACIONAL_ADN_URL": (env.get("NACIONAL_ADN_URL") or "").rstrip("/") or None,
        "NACIONAL_PARAMETROS_URL": (env.get("NACIONAL_PARAMETROS_URL") or "").rstrip("/") or None,
        "NACIONAL_IBSCBS_OBRIGATORIO": _flag(env.get("NACIONAL_IBSCBS_OBRIGATORIO")),
        "NACIONAL_SEFIN_RESTRITA_PATH": "/" + (env.get("NACIONAL_SEFIN_RESTRITA_PATH") or "/SefinNacional").strip("/"),
        "API_TOKEN": env.get("API_TOKEN") or None,
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "TRUSTED_PROXIES": proxies,
        "SESSION_IDLE_MINUTES": _positive_int(env, "SESSION_IDLE_MINUTES", 30),
        "AGENTNFE_TIMEZONE": timezone,
        "HUEY_IMMEDIATE": _flag(env.get("HUEY_IMMEDIATE")),
        "WEBHOOK_PHONE_LIMIT": _limite(env, "WEBHOOK_PHONE_LIMIT", "20/minute"),
        "MAX_BODY_KB": _positive_int(env, "MAX_BODY_KB", 1024),
        "IMPORT_MAX_MB": _positive_int(env, "IMPORT_MAX_MB", 10),
        "DELIVERY_RETRY_HOURS": _positive_int(env, "DELIVERY_RETRY_HOURS", 6),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "JSON_SORT_KEYS": False,
    }
    settings["SESSION_COOKIE_SECURE"] = settings["PUBLIC_URL"].startswith("https://")
    settings["HOSTS_ACEITOS"] = hosts_aceitos(settings["PUBLIC_URL"], env.get("ALLOWED_HOSTS"))
    settings.update(_backing_services(data_dir, redis_url, env.get("REDIS_CACHE_URL") or None))
    settings.update(overrides)
    settings["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_KB"] * 1024
    settings["LOG_FORMAT"], settings["LOG_LEVEL"] = _logs(env, redis_url)
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "pool_size": 10,
            "max_overflow": 10,
            "pool_recycle": 1800,
            **settings["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    elif settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {**sqlite.opcoes_do_engine(), **settings["SQLALCHEMY_ENGINE_OPTIONS"]}
    settings["SECRET_KEY"] = settings.get("SECRET_KEY") or env.get("SECRET_KEY") or None
    settings["AGENTNFE_ENCRYPTION_KEY"] = settings.get("AGENTNFE_ENCRYPTION_KEY") or env.get("AGENTNFE_ENCRYPTION_KEY")
    settings["ENCRYPTION_KEY_DO_AMBIENTE"] = bool(env.get("AGENTNFE_ENCRYPTION_KEY"))
    if settings["AGENTNFE_ENCRYPTION_KEY"]:
        chave_de_fernet(settings["AGENTNFE_ENCRYPTION_KEY"])
    settings["SSL_CERT_FILE"] = env.get("SSL_CERT_FILE") or None
    return settings


def chave_de_fernet(chave: str) -> str:
    """The key, when it is one Fernet takes; ConfigError naming the variable otherwise."""
    try:
        Fernet(chave)
    except ValueError:
        raise ConfigError("AGENTNFE_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64-encoded bytes)") from None
    return chave


def _logs(env: Mapping[str, str], redis_url: str | None) -> tuple[str, str]:
    """LOG_FORMAT (json in server mode, text on a desktop) and LOG_LEVEL, checked."""
    formato = (env.get("LOG_FORMAT") or ("json" if redis_url else "text")).strip().lower()
    if formato not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, got {formato!r}")
    nivel = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if nivel not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {nivel!r}")
    return formato, nivel


def _backing_services(data_dir: Path, redis_url: str | None, cache_url: str | None) -> dict[str, Any]:
    """Cache, rate-limit storage and queue: Redis when REDIS_URL is set (the cache on REDIS_CACHE_URL when that
    is set too), files in the data dir otherwise."""
    if redis_url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": cache_url or redis_url,
            "CACHE_KEY_PREFIX": "agentnfe:",
            "CACHE_DEFAULT_TIMEOUT": 300,
            "RATELIMIT_STORAGE_URI": redis_url,
            "HUEY_STORAGE": "redis",
        }
    return {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(data_dir / "cache"),
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CACHE_THRESHOLD": 20000,
        "RATELIMIT_STORAGE_URI": "memory://",
        "HUEY_STORAGE": "sqlite",
    }
