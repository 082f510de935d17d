"""The PDFs of authorized notes, fetched from the gateway with the API key and kept for the signed links."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..extensions import db
from ..models import NFSe
from . import links
from .gateways import GatewayIndisponivel, GatewayRecusou, gateway_atual

log = logging.getLogger(__name__)


def guardar(nfse_id: int) -> bool:
    """Keep the note's PDF (False: the gateway has none yet)."""
    return _guardar(NFSe.id == nfse_id)


def guardar_por_integracao(id_integracao: str) -> bool:
    return _guardar(NFSe.id_integracao == id_integracao)


def _guardar(criterio) -> bool:
    """Ends the caller's read-only transaction before asking the gateway."""
    nota = db.session.execute(sa.select(NFSe.id_integracao, NFSe.gateway_id).where(criterio)).first()
    db.session.rollback()
    if nota is None or links.caminho_pdf(nota.id_integracao).exists():
        return nota is not None
    if not nota.gateway_id:
        return False
    try:
        links.guardar_pdf(nota.id_integracao, gateway_atual().pdf(nota.gateway_id))
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("PDF of note %s not stored yet: %s", nota.id_integracao, erro)
        return False
    return True
