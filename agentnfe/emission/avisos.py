"""Notices for the accountants (the admin dashboard lists them), filed once per event."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from agentnfe.infra.extensions import db

from ..models import Notificacao

log = logging.getLogger(__name__)


def notificar(contabilidade_id: int, empresa_id: int | None, tipo: str, mensagem: str, chave: str) -> bool:
    """File a notice unless one with the same key exists; returns whether it was new."""
    if db.session.scalar(sa.select(Notificacao.id).where(Notificacao.chave == chave)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                Notificacao(
                    contabilidade_id=contabilidade_id, empresa_id=empresa_id, tipo=tipo, mensagem=mensagem, chave=chave
                )
            )
    except IntegrityError:
        return False
    log.info("notice for firm %s: %s", contabilidade_id, mensagem)
    return True
