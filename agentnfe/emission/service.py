"""Emission service: the only writer of notes. Sends a pending note and records the outcome."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..conversation import respostas
from ..conversation.engine import avisar
from ..extensions import db
from ..models import AcaoTentativa, Envio, Estado, NFSe, NFSeTentativa, StatusNFSe
from .gateways import gateway_atual

log = logging.getLogger(__name__)

SITUACOES = {
    "PROCESSANDO": StatusNFSe.PROCESSANDO,
    "CONCLUIDO": StatusNFSe.CONCLUIDA,
    "REJEITADO": StatusNFSe.REJEITADA,
    "CANCELADO": StatusNFSe.CANCELADA,
}


def emitir(nfse_id: int) -> list[int]:
    """Send a pending note to the gateway; returns the ids of the WhatsApp notices to deliver."""
    nota = db.session.scalar(sa.select(NFSe).options(joinedload(NFSe.sessao)).where(NFSe.id == nfse_id))
    if nota is None or nota.status is not StatusNFSe.PENDENTE:
        return []
    resposta = gateway_atual().emitir(nota)
    nota.status = SITUACOES.get(resposta.situacao, StatusNFSe.ERRO)
    nota.gateway_id = resposta.gateway_id
    nota.numero = resposta.numero
    nota.codigo_verificacao = resposta.codigo_verificacao
    nota.resposta = resposta.bruto
    if nota.status is StatusNFSe.CONCLUIDA:
        nota.emitida_em = datetime.now(UTC)
    db.session.add(
        NFSeTentativa(
            nfse=nota,
            acao=AcaoTentativa.EMITIR,
            id_integracao=nota.id_integracao,
            resultado=resposta.mensagem or resposta.situacao,
            status_resultante=nota.status,
            resposta=resposta.bruto,
        )
    )
    avisos = []
    if nota.sessao is not None and nota.status is StatusNFSe.CONCLUIDA:
        nota.sessao.estado = Estado.CONCLUIDA
        avisos.append(avisar(nota.sessao, respostas.emitida(nota.numero, nota.codigo_verificacao)))
    db.session.flush()
    entregar = [aviso.id for aviso in avisos if aviso.envio is Envio.PENDENTE]
    log.info("note %s (%s) is %s", nota.id, nota.id_integracao, nota.status.value)
    db.session.commit()
    return entregar
