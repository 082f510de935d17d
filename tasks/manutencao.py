"""Periodic sweeper: expires idle drafts and re-queues stored work whose task was lost."""

from __future__ import annotations

import logging

from huey import crontab

from agentnfe import relogio
from agentnfe.conversation import varredura
from agentnfe.emission import recuperacao
from agentnfe.extensions import huey
from agentnfe.queue import in_app_context

from .anuncio import announce_nfse
from .conversa import process_message
from .emissao import emit_nfse
from .entrega import send_reply

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def sweeper() -> None:
    agora = relogio.agora()
    expiradas = varredura.expirar_sessoes(agora)
    perdidas = varredura.mensagens_sem_resposta(agora)
    pendentes = varredura.respostas_pendentes(agora)
    a_anunciar = varredura.notas_a_anunciar(agora)
    paradas = recuperacao.notas_paradas(agora)
    for nfse_id in paradas:
        emit_nfse(nfse_id)
    for nfse_id in a_anunciar:
        announce_nfse(nfse_id)
    for mensagem_id in perdidas:
        process_message(mensagem_id)
    for mensagem_id in pendentes:
        send_reply(mensagem_id)
    if expiradas or perdidas or pendentes or a_anunciar or paradas:
        log.info(
            "sweeper: %d drafts expired, %d phones re-queued, %d replies re-sent, %d notes announced, %d notes re-sent",
            expiradas,
            len(perdidas),
            len(pendentes),
            len(a_anunciar),
            len(paradas),
        )
