"""The audit trail: who did what, when, to which record — written with the act, in its transaction, and never
changed or deleted afterwards."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, UTCDateTime, utcnow


class Auditoria(Base):
    __tablename__ = "auditoria"
    __table_args__ = (
        sa.Index("ix_auditoria_objeto", "objeto", "objeto_id"),
        sa.Index("ix_auditoria_contabilidade_criado", "contabilidade_id", "criado_em"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    contabilidade_id: Mapped[int | None] = mapped_column()
    """The firm the record belongs to (no foreign key: the trail outlives what it tells of)."""
    usuario_id: Mapped[int | None] = mapped_column()
    usuario: Mapped[str] = mapped_column(sa.String(254))
    """Who acted: the user's e-mail when it was done, `sistema`, or `linha de comando`."""
    origem: Mapped[str] = mapped_column(sa.String(20))
    acao: Mapped[str] = mapped_column(sa.String(30), index=True)
    objeto: Mapped[str] = mapped_column(sa.String(30))
    objeto_id: Mapped[int | None] = mapped_column()
    descricao: Mapped[str] = mapped_column(sa.String(1000))
    mudancas: Mapped[dict | None] = mapped_column(sa.JSON)
    """{field label: [before, after]} as the firm reads them; secrets never."""


class AuditoriaImutavel(RuntimeError):
    """An attempt to change or delete a line of the audit trail."""


@sa.event.listens_for(Session, "before_flush")
def _so_acrescenta(session: Session, _contexto, _instancias) -> None:
    for registro in (*session.dirty, *session.deleted):
        if isinstance(registro, Auditoria) and (registro in session.deleted or session.is_modified(registro)):
            raise AuditoriaImutavel("the audit trail is append-only")
