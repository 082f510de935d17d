"""Notes whose emission task was lost, found by the periodic sweeper."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from agentnfe.infra.extensions import db

from ..models import NFSe, StatusNFSe


def notas_paradas(agora: datetime, atraso: timedelta = timedelta(minutes=10)) -> list[int]:
    """Notes pending or sent whose task was lost (no live lease, untouched for a while): emit again."""
    consulta = sa.select(NFSe.id).where(
        NFSe.status.in_((StatusNFSe.PENDENTE, StatusNFSe.ENVIADA)),
        NFSe.atualizado_em < agora - atraso,
        sa.or_(NFSe.reservada_ate.is_(None), NFSe.reservada_ate < agora),
    )
    return list(db.session.scalars(consulta.order_by(NFSe.id).limit(200)))
