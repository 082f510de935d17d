"""The Huey task queue: storage chosen from configuration."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from flask import Flask
from huey.storage import RedisStorage, SqliteStorage

from .extensions import huey

_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the shared Huey object at SQLite in the data dir or at Redis; tasks run in this app."""
    global _app
    if app.config["HUEY_STORAGE"] == "redis":
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.config["DATA_DIR"]) / "queue.db"), "timeout": 10}
    huey.storage = huey.create_storage()
    huey.immediate = app.config["HUEY_IMMEDIATE"]
    app.extensions["huey"] = huey
    _app = app


def ping() -> None:
    """Raise if the queue storage cannot take a write (a full disk stops SqliteHuey, maxmemory a RedisHuey)."""
    chave = f"healthz-{os.getpid()}-{threading.get_ident()}"
    huey.storage.put_data(chave, b"1")
    huey.storage.pop_data(chave)


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
