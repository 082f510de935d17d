"""The PDFs of authorized notes, fetched from the gateway with the API key and kept for the signed links."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from agentnfe.infra.extensions import db

from ..models import NFSe
from . import links
from .gateways import GatewayIndisponivel, GatewayRecusou, gateway_da_nota

log = logging.getLogger(__name__)


def guardar(nfse_id: int) -> bool:
    """Keep the note's PDF (False: the gateway has none yet)."""
    return _guardar(NFSe.id == nfse_id)


def guardar_por_integracao(id_integracao: str) -> bool:
    return _guardar(NFSe.id_integracao == id_integracao)


def _guardar(criterio) -> bool:
    """Ends the caller's read-only transaction before asking the gateway."""
    nota = db.session.execute(sa.select(NFSe.id, NFSe.id_integracao, NFSe.gateway_id).where(criterio)).first()
    guardado = nota is not None and links.caminho_pdf(nota.id_integracao).exists()
    if nota is None or guardado or not nota.gateway_id:
        db.session.rollback()
        return guardado
    id_integracao, gateway_id = nota.id_integracao, nota.gateway_id
    gateway = gateway_da_nota(db.session.get(NFSe, nota.id))  # the whole note only when its PDF is missing
    db.session.rollback()
    try:
        links.guardar_pdf(id_integracao, gateway.pdf(gateway_id))
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("PDF of note %s not stored yet: %s", id_integracao, erro)
        return False
    return True
