"""Announcing a note's outcomes in the conversation that asked for it, then delivering them."""

from __future__ import annotations

from agentnfe.conversation import engine
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context

from .entrega import send_reply


@huey.task(retries=5, retry_delay=5, retry_backoff=2)
@in_app_context
def announce_nfse(nfse_id: int) -> None:
    """Write the note's new announcements as messages (each once, safe to repeat) and deliver them."""
    for mensagem_id in engine.anunciar_nota(nfse_id):
        send_reply(mensagem_id)
