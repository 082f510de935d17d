"""The Huey task queue: storage chosen from configuration."""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask
from huey.storage import RedisStorage, SqliteStorage

from agentnfe.infra.extensions import esperando_desde, huey

log = logging.getLogger(__name__)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the shared Huey object at SQLite in the data dir or at Redis; tasks run in this app."""
    global _app
    if app.config["HUEY_STORAGE"] == "redis":
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = FilaSqlite
        huey.storage_kwargs = {"filename": str(Path(app.config["DATA_DIR"]) / "queue.db"), "timeout": 10}
    huey.storage = huey.create_storage()
    huey.immediate = app.config["HUEY_IMMEDIATE"]
    app.extensions["huey"] = huey
    _app = app


class FilaSqlite(SqliteStorage):
    """SqliteHuey's storage with WAL and synchronous=NORMAL: a commit no longer waits for the disk (the default,
    FULL, syncs on every enqueue while holding the queue's lock). A power cut can drop the last tasks, never
    corrupt the file; what they carried is stored in the database and the sweeper queues it again."""

    def _create_connection(self):
        conexao = super()._create_connection()
        conexao.execute("pragma synchronous=NORMAL")
        return conexao


def ping() -> None:
    """Raise if the queue storage cannot take a write (a full disk stops SqliteHuey, maxmemory a RedisHuey)."""
    chave = f"healthz-{os.getpid()}-{threading.get_ident()}"
    huey.storage.put_data(chave, b"1")
    huey.storage.pop_data(chave)


def medidas() -> dict[str, tuple[str, float | None]]:
    """Gauges for /metrics read from the queue's storage now: tasks waiting, tasks scheduled for later, and how
    long the next task to run has waited (0 when none waits). Empty when the storage cannot be read."""
    try:
        espera = huey.pending_count()
        agendadas = huey.scheduled_count()
        proxima = huey.pending(limit=1)
    except Exception:
        log.warning("queue storage unreadable for /metrics", exc_info=True)
        return {}
    desde = esperando_desde(proxima[0]) if proxima else None
    idade = max(0.0, time.time() - desde) if desde is not None else (0.0 if not proxima else None)
    return {
        "agentnfe_queue_depth": ("Tasks waiting in the queue.", espera),
        "agentnfe_queue_scheduled": ("Tasks scheduled for later (retries, polls).", agendadas),
        "agentnfe_queue_oldest_task_age_seconds": ("How long the next task to run has waited.", idade),
    }


def in_app_context(func):
    """Run a task body inside the application context of the process that configured the queue."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _app is None:
            raise RuntimeError("the task queue was used before create_app() configured it")
        with _app.app_context():
            return func(*args, **kwargs)

    return wrapper


class TentarDeNovo(Exception):
    """A temporary failure: the task raises it so the queue retries with backoff (each retry counts)."""


class RetentativaEsperada(logging.Filter):
    """Huey logs every exception a task raises as an ERROR with its traceback; a TentarDeNovo is the expected
    "not yet" (a gateway still processing, BrasilAPI down for a while): one WARNING line naming the task's reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        erro = record.exc_info[1] if record.exc_info else None
        if isinstance(erro, TentarDeNovo):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "task will be retried: %s (%s)", (erro, record.getMessage())
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("huey").addFilter(RetentativaEsperada())
