"""Periodic work: the sweeper (expires idle drafts, re-queues stored work whose task was lost) and the desktop's
daily backup."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from huey import crontab

from agentnfe.conversation import varredura
from agentnfe.emission import recuperacao
from agentnfe.infra import backup, estatisticas, relogio
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context
from agentnfe.infra.transacao import transacao

from .anuncio import announce_nfse
from .conversa import process_message
from .emissao import emit_nfse
from .entrega import send_reply

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def sweeper() -> None:
    agora = relogio.agora()
    with transacao():
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


@huey.periodic_task(crontab(hour="6", minute="41"))
@in_app_context
def planner_statistics() -> None:
    """Daily, at night in Brazil (06:41 UTC): SQLite's query planner statistics follow the data's growth
    (PostgreSQL's autovacuum does it there)."""
    estatisticas.atualizar()


@huey.periodic_task(crontab(minute="17"))
@in_app_context
def backup_diario() -> None:
    """Desktop app only: a backup into <data dir>/backups (30 kept) once a day, at the first hour the app is
    open after 24 h without one."""
    if current_app.config.get("BACKUP_DIARIO") and not backup.feito_ha_menos_de(timedelta(hours=24)):
        log.info("daily backup written to %s", backup.criar(manter=30))
