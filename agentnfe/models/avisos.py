"""Notices for the accountants' dashboard (certificate expiry, rejected notes, notes needing attention), and the
write probe of /healthz."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Notificacao(Base):
    __tablename__ = "notificacao"
    __table_args__ = (sa.Index("ix_notificacao_contabilidade_criado", "contabilidade_id", "criado_em"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contabilidade_id: Mapped[int] = mapped_column(sa.ForeignKey("contabilidade.id", ondelete="CASCADE"))
    empresa_id: Mapped[int | None] = mapped_column(sa.ForeignKey("empresa.id", ondelete="CASCADE"), index=True)
    tipo: Mapped[str] = mapped_column(sa.String(40))
    mensagem: Mapped[str] = mapped_column(sa.String(500))
    chave: Mapped[str] = mapped_column(sa.String(120), unique=True)
    """Identifies the event so a periodic task never files the same notice twice."""
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lida_em: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SondaEscrita(Base):
    """One row that /healthz rewrites: proof that the database still accepts writes (a full disk refuses them)."""

    __tablename__ = "sonda_escrita"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    instante: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
