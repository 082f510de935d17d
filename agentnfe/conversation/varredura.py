"""Periodic housekeeping: expire idle drafts and find work that was stored but never queued."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..integrations import whatsapp
from ..models import Direcao, Envio, Estado, Mensagem, NFSe, Provider, Sessao, StatusNFSe

EXPIRAVEIS = (Estado.COLETA, Estado.DADOS_INCOMPLETOS, Estado.ESCOLHA_EMPRESA, Estado.CONFIRMACAO)
JANELA = timedelta(days=1)


def expirar_sessoes(agora: datetime) -> int:
    """Close drafts idle past their expiry (a note being emitted is never expired)."""
    resultado = db.session.execute(
        sa.update(Sessao)
        .where(Sessao.estado.in_(EXPIRAVEIS), Sessao.expira_em < agora)
        .values(estado=Estado.EXPIRADA, versao=Sessao.versao + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return resultado.rowcount


def mensagens_sem_resposta(agora: datetime, atraso: timedelta = timedelta(minutes=1)) -> list[int]:
    """One stored inbound message per conversation channel that was never processed (its task was lost)."""
    dona = aliased(Sessao)
    ultima = (
        sa.select(sa.func.coalesce(sa.func.max(Sessao.ultima_entrada_id), 0))
        .where(Sessao.telefone == dona.telefone, Sessao.usuario_id.is_not_distinct_from(dona.usuario_id))
        .correlate(dona)
        .scalar_subquery()
    )
    consulta = (
        sa.select(sa.func.min(Mensagem.id))
        .join(dona, Mensagem.sessao_id == dona.id)
        .where(
            Mensagem.direcao == Direcao.ENTRADA,
            Mensagem.criado_em < agora - atraso,
            Mensagem.criado_em > agora - JANELA,
            Mensagem.id > ultima,
        )
        .group_by(dona.telefone, dona.usuario_id)
    )
    return list(db.session.scalars(consulta))


def respostas_pendentes(agora: datetime, atraso: timedelta = timedelta(minutes=5)) -> list[int]:
    """Replies still pending after their retries would have finished, for providers that can send."""
    providers = [p for p in (Provider.EVOLUTION, Provider.META) if whatsapp.configurado(p)]
    if not providers:
        return []
    consulta = sa.select(Mensagem.id).where(
        Mensagem.direcao == Direcao.SAIDA,
        Mensagem.envio == Envio.PENDENTE,
        Mensagem.provider.in_(providers),
        Mensagem.criado_em < agora - atraso,
        Mensagem.criado_em > agora - JANELA,
    )
    return list(db.session.scalars(consulta.order_by(Mensagem.id).limit(500)))


def notas_paradas(agora: datetime, atraso: timedelta = timedelta(minutes=10)) -> list[int]:
    """Notes pending or sent whose task was lost (no live lease, untouched for a while): emit again."""
    consulta = sa.select(NFSe.id).where(
        NFSe.status.in_((StatusNFSe.PENDENTE, StatusNFSe.ENVIADA)),
        NFSe.atualizado_em < agora - atraso,
        sa.or_(NFSe.reservada_ate.is_(None), NFSe.reservada_ate < agora),
    )
    return list(db.session.scalars(consulta.order_by(NFSe.id).limit(200)))
