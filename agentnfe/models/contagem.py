"""Each note's move to a status, counted once its transaction commits (agentnfe_nfse_status_changes_total)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agentnfe.infra import metricas

from .enums import StatusNFSe
from .notas import NFSe

CHAVE = "agentnfe.status_de_notas"


def anotar(session: Session, status: StatusNFSe) -> None:
    """A status written by a plain UPDATE (the ORM cannot see it): counted at the next commit."""
    session.info.setdefault(CHAVE, []).append(status)


@sa.event.listens_for(Session, "before_flush")
def _notas_mudadas(session: Session, _contexto, _instancias) -> None:
    for nota in (*session.new, *session.dirty):
        if not isinstance(nota, NFSe):
            continue
        if nota in session.new or sa.inspect(nota).attrs.status.history.has_changes():
            anotar(session, nota.status or StatusNFSe.PENDENTE)


@sa.event.listens_for(Session, "after_commit")
def _contar(session: Session) -> None:
    for status in session.info.pop(CHAVE, ()):
        metricas.nota(status.value)


@sa.event.listens_for(Session, "after_rollback")
def _esquecer(session: Session) -> None:
    session.info.pop(CHAVE, None)
