"""The Huey task queue: storage chosen from configuration."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from huey.storage import RedisStorage, SqliteStorage

from .extensions import huey


def init_app(app: Flask) -> None:
    """Point the shared Huey object at SQLite in the data dir or at Redis."""
    if app.config["HUEY_STORAGE"] == "redis":
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.config["DATA_DIR"]) / "queue.db"), "timeout": 10}
    huey.storage = huey.create_storage()
    huey.immediate = app.config["HUEY_IMMEDIATE"]
    app.extensions["huey"] = huey


def ping() -> None:
    """Raise if the queue storage cannot be reached."""
    huey.storage.queue_size()
