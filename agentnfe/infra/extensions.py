"""Extension objects, created unbound; each is initialised in the app factory."""

import time
from datetime import UTC

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey
from huey.api import Task
from huey.storage import MemoryStorage

from agentnfe.infra import metricas
from agentnfe.models.base import Base


class CacheMedido(Cache):
    """flask-caching's Cache, counting hits and misses of every read (agentnfe_cache_requests_total)."""

    def get(self, key: str, *args, **kwargs):
        valor = super().get(key, *args, **kwargs)
        metricas.cache(key, valor is not None)
        return valor


class Fila(Huey):
    """Huey whose task ids begin with the instant (ms) the task was first queued, so the age of the next task to
    run is read from the queue itself (`esperando_desde`). The id is given once: a retry or a scheduled task
    keeps it, and logs, results and revocations follow one task across its attempts."""

    def enqueue(self, task):
        if isinstance(task, Task) and enfileirada_em(task.id) is None:
            task.id = f"{time.time_ns() // 1_000_000}.{task.id}"
        return super().enqueue(task)


def enfileirada_em(task_id: str) -> float | None:
    """The instant (seconds since the epoch) a task id of `Fila` records, or None for an id without one."""
    instante, _, resto = task_id.partition(".")
    return int(instante) / 1000 if resto and instante.isdigit() else None


def esperando_desde(task: Task) -> float | None:
    """Since when a queued task waits to run: its first queuing, or the instant it was due when it was scheduled
    (a retry, a poll); None when its id records no instant."""
    desde = enfileirada_em(task.id)
    if desde is not None and task.eta is not None:
        desde = max(desde, task.eta.replace(tzinfo=UTC).timestamp())
    return desde


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cache = CacheMedido()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
huey = Fila("agentnfe", storage_class=MemoryStorage, immediate_use_memory=False, utc=True)
"""Task decorators bind to this object at import; its storage is chosen by `agentnfe.infra.queue.init_app`."""
