"""A conversation channel — the phone on WhatsApp, or the phone and an admin user in the simulator: its
sessions, its unprocessed messages, the empresas it may issue for, and the lock that serializes its writers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from agentnfe.cadastros.perfis import PerfilEmpresa, empresas_do_telefone
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

from ...models import Direcao, Mensagem, Provider, Sessao, User
from ...models.enums import ESTADOS_FINAIS
from .. import escrita


def travar(telefone: str, usuario_id: int | None) -> None:
    """On PostgreSQL, wait for the channel's advisory lock (held to the end of the transaction), so runs of
    one channel never overlap; elsewhere the session's version column catches an overlap at commit."""
    if db.engine.dialect.name != "postgresql":
        return
    semente = f"fone:{telefone}:{usuario_id or ''}".encode()
    chave = int.from_bytes(hashlib.blake2b(semente, digest_size=8).digest(), "big") >> 1
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(chave)))


def ociosidade() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def nova_sessao(telefone: str, provider: Provider, instance: str, usuario_id: int | None = None) -> Sessao:
    """A fresh conversation for the channel, added to the database session."""
    return escrita.nova_sessao(telefone, provider, instance, usuario_id, relogio.agora() + ociosidade())


def do_canal(telefone: str, usuario_id: int | None = None) -> tuple:
    """The sessions of one channel (WhatsApp and the simulator never see each other's sessions)."""
    usuario = Sessao.usuario_id.is_(None) if usuario_id is None else Sessao.usuario_id == usuario_id
    return (Sessao.telefone == telefone, usuario)


def sessao_aberta(telefone: str, usuario_id: int | None = None) -> sa.Select:
    return sa.select(Sessao).where(*do_canal(telefone, usuario_id), Sessao.estado.not_in(ESTADOS_FINAIS))


def pendentes(telefone: str, usuario_id: int | None) -> sa.Select:
    """Inbound messages of the channel newer than the last one the engine processed, oldest first."""
    canal = do_canal(telefone, usuario_id)
    ultimo = sa.select(sa.func.coalesce(sa.func.max(Sessao.ultima_entrada_id), 0)).where(*canal).scalar_subquery()
    return (
        sa.select(Mensagem)
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .where(*canal, Mensagem.direcao == Direcao.ENTRADA, Mensagem.id > ultimo)
        .order_by(Mensagem.id)
    )


def perfis_do_canal(telefone: str, usuario_id: int | None = None) -> list[PerfilEmpresa]:
    """The empresas the phone may issue for: all of them on WhatsApp, only the user's firm's in the simulator."""
    perfis = empresas_do_telefone(telefone)
    if usuario_id is None:
        return perfis
    usuario = db.session.get(User, usuario_id)
    if usuario is None or not usuario.ativo:
        return []
    if usuario.contabilidade_id is None:
        return perfis if usuario.is_superuser else []
    return [p for p in perfis if p.contabilidade_id == usuario.contabilidade_id]
