"""Housekeeping of the background jobs' folders (agentnfe.infra.trabalhos)."""

from __future__ import annotations

import time

from huey import crontab

from agentnfe.infra import trabalhos
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context


@huey.periodic_task(crontab(minute="17", hour="4"))
@in_app_context
def prune_jobs() -> None:
    """Remove the jobs started more than GUARDA_DIAS days ago."""
    trabalhos.podar(time.time() - trabalhos.GUARDA_DIAS * 86400)
