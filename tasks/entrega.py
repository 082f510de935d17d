"""Delivery of stored replies through the channel they belong to."""

from __future__ import annotations

from agentnfe.conversation import entrega
from agentnfe.extensions import huey
from agentnfe.queue import in_app_context


@huey.task(retries=5, retry_delay=2, retry_backoff=2, context=True)
@in_app_context
def send_reply(mensagem_id: int, task=None) -> None:
    """Deliver one stored reply; timeouts and 5xx are retried with backoff (2, 4, 8, 16, 32 s)."""
    entrega.entregar(mensagem_id, ultima_tentativa=task is None or task.retries == 0)
