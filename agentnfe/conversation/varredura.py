"""Periodic housekeeping of conversations: expire idle drafts; find messages, replies and announcements that
were stored but whose task was lost."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from agentnfe.infra.extensions import db

from ..integrations import whatsapp
from ..models import Direcao, Envio, Estado, Mensagem, NFSe, Provider, Sessao, StatusNFSe
from . import escrita

EXPIRAVEIS = (Estado.COLETA, Estado.DADOS_INCOMPLETOS, Estado.ESCOLHA_EMPRESA, Estado.CONFIRMACAO)
JANELA = timedelta(days=1)
COM_ANUNCIO = (StatusNFSe.CONCLUIDA, StatusNFSe.REJEITADA, StatusNFSe.ERRO, StatusNFSe.ATENCAO, StatusNFSe.CANCELADA)
"""Statuses a note announces (its index on status and update time serves the sweeper's query)."""


def expirar_sessoes(agora: datetime) -> int:
    """Close drafts idle past their expiry (a note being emitted is never expired)."""
    return escrita.expirar(EXPIRAVEIS, agora)


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


def respostas_pendentes(agora: datetime, atraso: timedelta = timedelta(minutes=1)) -> list[int]:
    """The oldest pending reply of each phone whose delivery is due but nobody is attempting (its task was lost,
    or the chain of retries broke), for providers that can send."""
    providers = [p for p in (Provider.EVOLUTION, Provider.META) if whatsapp.configurado(p)]
    if not providers:
        return []
    limite = agora - atraso
    consulta = (
        sa.select(sa.func.min(Mensagem.id))
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .where(
            Mensagem.direcao == Direcao.SAIDA,
            Mensagem.envio == Envio.PENDENTE,
            Mensagem.provider.in_(providers),
            sa.or_(
                sa.and_(Mensagem.entrega_em.is_(None), Mensagem.criado_em < limite),
                Mensagem.entrega_em < limite,
            ),
        )
        .group_by(Sessao.telefone, Mensagem.provider)
        .limit(500)
    )
    return list(db.session.scalars(consulta))


def notas_a_anunciar(agora: datetime, atraso: timedelta = timedelta(minutes=1)) -> list[int]:
    """Notes whose last announcement has no message yet (the task that writes it was lost): announce again."""
    dita = sa.exists().where(Mensagem.nfse_id == NFSe.id, Mensagem.evento == NFSe.ultimo_anuncio)
    consulta = sa.select(NFSe.id).where(
        NFSe.status.in_(COM_ANUNCIO),
        NFSe.atualizado_em < agora - atraso,
        NFSe.atualizado_em > agora - JANELA,
        NFSe.ultimo_anuncio.is_not(None),
        NFSe.sessao_id.is_not(None),
        ~dita,
    )
    return list(db.session.scalars(consulta.order_by(NFSe.id).limit(200)))
