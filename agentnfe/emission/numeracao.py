"""The national layout's DPS numbering: each note gets the empresa's série and the next number, once."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Empresa, NFSe


def numerar(nfse_id: int) -> None:
    """Give a note without a DPS number the empresa's next one, stored before the first send.

    The empresa's counter moves in an UPDATE, which holds the empresa row's lock (PostgreSQL) or the database's
    single writer (SQLite) until the commit that also stores the number on the note: two notes never get the
    same number, and a number taken by a note that already had one is never spent (the transaction rolls back).
    NFSe's unique (empresa, série, número) backs this up.
    """
    empresa_id = db.session.scalar(sa.select(NFSe.empresa_id).where(NFSe.id == nfse_id, NFSe.numero_dps.is_(None)))
    if empresa_id is None:
        db.session.rollback()
        return
    serie, proximo = db.session.execute(
        sa.update(Empresa)
        .where(Empresa.id == empresa_id)
        .values(numero_dps=Empresa.numero_dps + 1)
        .returning(Empresa.serie_dps, Empresa.numero_dps)
        .execution_options(synchronize_session=False)
    ).one()
    guardado = db.session.execute(
        sa.update(NFSe)
        .where(NFSe.id == nfse_id, NFSe.numero_dps.is_(None))
        .values(serie_dps=serie, numero_dps=proximo - 1)
        .execution_options(synchronize_session=False)
    )
    if guardado.rowcount != 1:
        db.session.rollback()
        return
    db.session.commit()
