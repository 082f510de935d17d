"""Delivery of stored replies through the channel they belong to, in order per phone."""

from __future__ import annotations

from agentnfe.conversation import entrega
from agentnfe.infra import logs
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context


@huey.task()
@in_app_context
def send_reply(mensagem_id: int, espera=None) -> None:
    """Deliver the phone's pending replies, oldest first; after a failure, come back when the oldest is due
    (5 s, 15 s, 30 s, 1 min… up to DELIVERY_RETRY_HOURS; the sweeper finds any chain that was lost)."""
    with logs.mensagem(mensagem_id):
        adiada = entrega.entregar(mensagem_id, espera)
    if adiada is not None:
        send_reply.schedule(args=(adiada.mensagem_id, adiada.ate), delay=adiada.segundos)
