"""Storing an inbound message before anything else happens to it (the webhook's only write)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..integrations.entrada import Entrada
from ..models import Direcao, Mensagem, Sessao
from .engine.canal import nova_sessao, sessao_aberta

log = logging.getLogger(__name__)


def registrar(entrada: Entrada) -> int | None:
    """INSERT the message into the phone's open session (creating one when none is open) and commit.

    Returns the message id, or None when the provider already delivered this message (same provider,
    instance and id).
    Mid-conversation this is exactly one INSERT: the open session is only read.
    """
    sessao_id = db.session.scalar(
        sa.select(Sessao.id).where(sessao_aberta(entrada.telefone, entrada.usuario_id).whereclause)
    )
    if sessao_id is None:
        sessao_id = _abrir_sessao(entrada)
    mensagem = Mensagem(
        sessao_id=sessao_id,
        direcao=Direcao.ENTRADA,
        tipo=entrada.tipo,
        texto=entrada.texto,
        provider=entrada.provider,
        instance=entrada.instance,
        provider_id=entrada.provider_id,
    )
    db.session.add(mensagem)
    try:
        db.session.flush()
        mensagem_id = mensagem.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if entrada.provider_id and _ja_recebida(entrada):
            return None
        raise
    return mensagem_id


def _abrir_sessao(entrada: Entrada) -> int:
    """Open a session for a phone that has none; a concurrent webhook may win the race, then use its session."""
    sessao = nova_sessao(entrada.telefone, entrada.provider, entrada.instance, entrada.usuario_id)
    try:
        db.session.flush()
        sessao_id = sessao.id
        db.session.commit()
        return sessao_id
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(
            sa.select(Sessao.id).where(sessao_aberta(entrada.telefone, entrada.usuario_id).whereclause)
        )


def _ja_recebida(entrada: Entrada) -> bool:
    consulta = sa.select(Mensagem.id).where(
        Mensagem.provider == entrada.provider,
        Mensagem.instance == entrada.instance,
        Mensagem.provider_id == entrada.provider_id,
    )
    return db.session.scalar(consulta) is not None
