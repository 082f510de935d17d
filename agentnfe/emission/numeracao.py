"""The national layout's DPS numbering: each note gets the empresa's série and the next number, once."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from agentnfe.cadastros import empresas
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao

from ..models import NFSe
from . import registro

log = logging.getLogger(__name__)


def numerar(nfse_id: int) -> None:
    """Give a note without a DPS number the empresa's next one, stored before the first send.

    The empresa's counter moves in an UPDATE, which holds the empresa row's lock (PostgreSQL) or the database's
    single writer (SQLite) until the phase commits with the number stored on the note: two notes never get the
    same number, and a number taken by a note that already had one is never spent (the phase rolls back).
    NFSe's unique (empresa, série, número) backs this up: when the counter was set back onto numbers already
    used (by hand, in the admin), it moves past the highest one used in the série and the note takes the next.
    """
    for _ in range(2):
        try:
            with transacao():
                _numerar(nfse_id)
            return
        except _JaNumerada:
            return
        except IntegrityError:
            with transacao():
                _pular_usados(nfse_id)
    raise RuntimeError(f"note {nfse_id}: no free DPS number after moving the counter past the used ones")


class _JaNumerada(Exception):
    """Another worker numbered the note first: the number this phase took goes back (rollback)."""


def _numerar(nfse_id: int) -> None:
    empresa_id = db.session.scalar(sa.select(NFSe.empresa_id).where(NFSe.id == nfse_id, NFSe.numero_dps.is_(None)))
    if empresa_id is None:
        return
    serie, numero = empresas.avancar_numero_dps(empresa_id)
    if not registro.numerar(nfse_id, serie, numero):
        raise _JaNumerada


def _pular_usados(nfse_id: int) -> None:
    """Move the empresa's counter past the highest number its série already used."""
    empresa_id = db.session.scalar(sa.select(NFSe.empresa_id).where(NFSe.id == nfse_id))
    empresas.pular_numeros_usados(empresa_id)
    log.warning("empresa %s: the DPS counter pointed at a used number; moved past the série's highest", empresa_id)
