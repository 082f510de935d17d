"""Periodic sweeper: expires idle drafts and re-queues stored work whose task was lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from huey import crontab

from agentnfe.conversation import varredura
from agentnfe.extensions import huey
from agentnfe.queue import in_app_context

from .conversa import process_message, send_reply
from .emissao import emit_nfse

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def sweeper() -> None:
    agora = datetime.now(UTC)
    expiradas = varredura.expirar_sessoes(agora)
    perdidas = varredura.mensagens_sem_resposta(agora)
    pendentes = varredura.respostas_pendentes(agora)
    paradas = varredura.notas_paradas(agora)
    for nfse_id in paradas:
        emit_nfse(nfse_id)
    for mensagem_id in perdidas:
        process_message(mensagem_id)
    for mensagem_id in pendentes:
        send_reply(mensagem_id)
    if expiradas or perdidas or pendentes:
        log.info(
            "sweeper: %d drafts expired, %d phones re-queued, %d replies re-sent",
            expiradas,
            len(perdidas),
            len(pendentes),
        )
