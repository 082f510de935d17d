"""Emission tasks."""

from __future__ import annotations

from agentnfe.emission import service
from agentnfe.extensions import huey
from agentnfe.queue import in_app_context


@huey.task(retries=3, retry_delay=30)
@in_app_context
def emit_nfse(nfse_id: int) -> None:
    from .conversa import send_reply

    for mensagem_id in service.emitir(nfse_id):
        send_reply(mensagem_id)
