"""Health checks behind GET /healthz: cheap probes, no paid API call."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from . import queue, resultados
from .conversation import llm
from .extensions import cache, db

log = logging.getLogger(__name__)

OK, ERROR = resultados.OK, resultados.ERRO
CRITICAL = ("database", "queue")


def _probe(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception:
        log.exception("health check %s failed", name)
        return ERROR
    return OK


def _database() -> None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    finally:
        db.session.rollback()


def _cache() -> None:
    token = secrets.token_hex(8)
    if not cache.set("healthz", token, timeout=30) or cache.get("healthz") != token:
        raise RuntimeError("cache did not keep a value")


def _gateway() -> str:
    config = current_app.config
    if config["NFSE_GATEWAY"] == "plugnotas" and not config["PLUGNOTAS_API_KEY"]:
        log.error("NFSE_GATEWAY=plugnotas but PLUGNOTAS_API_KEY is not set")
        return ERROR
    return resultados.ultimo("gateway")


def report() -> tuple[dict, int]:
    """The /healthz body and status code: 503 only when the database or the queue fails."""
    checks = {
        "database": _probe("database", _database),
        "cache": _probe("cache", _cache),
        "queue": _probe("queue", queue.ping),
        "llm": llm.estado(),
        "gateway": _gateway(),
    }
    healthy = all(status != ERROR for status in checks.values())
    code = 503 if any(checks[name] == ERROR for name in CRITICAL) else 200
    return {"status": "ok" if healthy else "degraded", "checks": checks}, code
