"""Delivery of stored replies through the channel they belong to, in order per phone."""

from __future__ import annotations

from datetime import datetime

from agentnfe.conversation import entrega
from agentnfe.infra import logs
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context
from agentnfe.infra.transacao import sem_transacao, transacao


@huey.task()
@in_app_context
def send_reply(mensagem_id: int, espera=None) -> None:
    """Deliver the phone's pending replies, oldest first; after a failure, come back when the oldest is due
    (5 s, 15 s, 30 s, 1 min… up to DELIVERY_RETRY_HOURS; the sweeper finds any chain that was lost)."""
    with logs.mensagem(mensagem_id):
        adiada = entregar(mensagem_id, espera)
    if adiada is not None:
        send_reply.schedule(args=(adiada.mensagem_id, adiada.ate), delay=adiada.segundos)


def entregar(mensagem_id: int, espera: datetime | None = None) -> entrega.Adiada | None:
    """The delivery protocol, reply by reply: lease it, call the provider outside any transaction, record what
    happened. Returns the reply to try again and when, or None: all delivered, the queue is held by an attempt in
    progress or by another reply's wait, or the provider is off."""
    vez = entrega.primeira_do_telefone(mensagem_id)
    sem_transacao()
    while vez is not None:
        with transacao():
            tentativa = entrega.tomar(vez, espera if vez.id == mensagem_id else None)
        if tentativa is False:
            return None
        if tentativa is not True:
            resultado = entrega.enviar(vez)
            with transacao():
                adiada = entrega.gravar_resultado(vez, tentativa, resultado)
            if adiada is not None:
                return adiada
        vez = entrega.seguinte(vez)
        sem_transacao()
    return None
