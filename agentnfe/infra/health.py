"""Health checks behind GET /healthz, no paid API call. Operators (a local client, or a Bearer METRICS_TOKEN)
get the write probes — a committed row, a file in the data dir, a cache value, a queue entry; anyone else gets
read-only answers that cost one SELECT and two reads, and cannot make the server write."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from agentnfe.conversation import llm
from agentnfe.infra import queue, relogio, resultados
from agentnfe.infra.extensions import cache, db, huey
from agentnfe.models import SondaEscrita

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
    """A committed write, not only a SELECT: a full disk or a read-only database still answers reads. In embedded
    mode the data dir (database, WAL, queue, PDFs) must also take a new file."""
    try:
        atualizado = db.session.execute(
            sa.update(SondaEscrita).where(SondaEscrita.id == 1).values(instante=relogio.agora())
        )
        if atualizado.rowcount == 0:
            db.session.add(SondaEscrita(id=1))
        db.session.commit()
    finally:
        db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        _escrever_na_pasta(Path(current_app.config["DATA_DIR"]))


def _escrever_na_pasta(pasta: Path) -> None:
    sonda = pasta / f".healthz-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(sonda, "wb") as arquivo:
            arquivo.write(b"\0" * 65536)
            arquivo.flush()
            os.fsync(arquivo.fileno())
    finally:
        sonda.unlink(missing_ok=True)


def _database_leitura() -> None:
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()


def _cache_leitura() -> None:
    cache.get("healthz")  # a dead Redis raises; the file cache reads its folder


def _queue_leitura() -> None:
    huey.storage.queue_size()


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


def report(escrita: bool = True) -> tuple[dict, int]:
    """The /healthz body and status code: 503 only when the database or the queue fails. `escrita`: the write
    probes (operators only); otherwise reads."""
    checks = {
        "database": _probe("database", _database if escrita else _database_leitura),
        "cache": _probe("cache", _cache if escrita else _cache_leitura),
        "queue": _probe("queue", queue.ping if escrita else _queue_leitura),
        "llm": llm.estado(),
        "gateway": _gateway(),
    }
    healthy = all(status != ERROR for status in checks.values())
    code = 503 if any(checks[name] == ERROR for name in CRITICAL) else 200
    return {"status": "ok" if healthy else "degraded", "checks": checks}, code
