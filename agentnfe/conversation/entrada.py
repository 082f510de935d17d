"""Storing an inbound message before anything else happens to it (the webhook's only write)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao

from ..integrations.entrada import Entrada
from ..models import Direcao, Mensagem, Sessao
from ..models.base import utcnow
from . import escrita
from .engine.canal import nova_sessao, sessao_aberta

log = logging.getLogger(__name__)


def guardar(entrada: Entrada) -> int | None:
    """INSERT the message into the phone's open session (opening one when none is open), each step a committed
    phase. Returns the message id, or None when the provider already delivered this message (same provider,
    instance and id). Mid-conversation this is exactly one statement — INSERT … SELECT from the open session —
    and its commit.
    """
    try:
        with transacao():
            mensagem_id = _na_sessao_aberta(entrada)
        if mensagem_id is None:
            sessao_id = _abrir_sessao(entrada)
            with transacao():
                mensagem = escrita.nova_entrada(sessao_id, entrada)
                db.session.flush()
                mensagem_id = mensagem.id
    except IntegrityError:  # the phase was rolled back
        if entrada.provider_id and _ja_recebida(entrada):
            return None
        raise
    return mensagem_id


def _na_sessao_aberta(entrada: Entrada) -> int | None:
    """INSERT the message into the channel's open session, if there is one; its id, or None (no row)."""
    valores = {
        "direcao": Direcao.ENTRADA,
        "tipo": entrada.tipo,
        "texto": entrada.texto,
        "provider": entrada.provider,
        "instance": entrada.instance,
        "provider_id": entrada.provider_id,
        "criado_em": utcnow(),
        "telefone": entrada.telefone,
        "usuario_id": entrada.usuario_id,
    }
    return escrita.inserir_na_sessao_aberta(_INSERIR_NA_SESSAO_ABERTA[entrada.usuario_id is not None], valores)


def _inserir_na_sessao_aberta(simulador: bool) -> sa.Insert:
    """INSERT … SELECT from the open session of a channel given as parameters (built once: the webhook's path)."""
    colunas = ["direcao", "tipo", "texto", "provider", "instance", "provider_id", "criado_em"]
    tabela = Mensagem.__table__
    valores = [sa.bindparam(nome, type_=tabela.c[nome].type) for nome in colunas]
    canal = sessao_aberta(sa.bindparam("telefone"), sa.bindparam("usuario_id") if simulador else None)
    sessao = sa.select(Sessao.id, *valores).where(canal.whereclause)
    return sa.insert(Mensagem).from_select(["sessao_id", *colunas], sessao).returning(Mensagem.id)


_INSERIR_NA_SESSAO_ABERTA = {simulador: _inserir_na_sessao_aberta(simulador) for simulador in (False, True)}


def _abrir_sessao(entrada: Entrada) -> int:
    """Open a session for a phone that has none; a concurrent webhook may win the race, then use its session."""
    try:
        with transacao():
            sessao = nova_sessao(entrada.telefone, entrada.provider, entrada.instance, entrada.usuario_id)
            db.session.flush()
            return sessao.id
    except IntegrityError:
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
