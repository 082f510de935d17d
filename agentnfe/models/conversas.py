"""WhatsApp conversations: one open session per phone, append-only messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UTCDateTime, enum_type, utcnow
from .contas import User
from .empresas import Empresa
from .enums import ESTADOS_FINAIS, Direcao, Envio, Estado, Provider, TipoMensagem

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_ESTADO_ABERTO = "estado NOT IN ({})".format(", ".join(f"'{estado.value}'" for estado in ESTADOS_FINAIS))
_ABERTA_WHATSAPP = sa.text(f"{_ESTADO_ABERTO} AND usuario_id IS NULL")
_ABERTA_SIMULADOR = sa.text(f"{_ESTADO_ABERTO} AND usuario_id IS NOT NULL")


class Sessao(Timestamps, Base):
    __tablename__ = "sessao"
    __table_args__ = (
        # one open conversation per phone, and one per (phone, admin user) in the simulator
        sa.Index(
            "uq_sessao_aberta_telefone",
            "telefone",
            unique=True,
            sqlite_where=_ABERTA_WHATSAPP,
            postgresql_where=_ABERTA_WHATSAPP,
        ),
        sa.Index(
            "uq_sessao_aberta_simulador",
            "telefone",
            "usuario_id",
            unique=True,
            sqlite_where=_ABERTA_SIMULADOR,
            postgresql_where=_ABERTA_SIMULADOR,
        ),
        sa.Index("ix_sessao_empresa_atualizado", "empresa_id", "atualizado_em"),
        sa.Index("ix_sessao_estado_expira", "estado", "expira_em"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    telefone: Mapped[str] = mapped_column(sa.String(15), index=True)
    empresa_id: Mapped[int | None] = mapped_column(sa.ForeignKey("empresa.id", ondelete="SET NULL"))
    provider: Mapped[Provider] = mapped_column(enum_type(Provider, "provider"))
    instance: Mapped[str] = mapped_column(sa.String(100), default="")
    usuario_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    """The admin user of a simulator session (null on WhatsApp): the simulator acts only for that user's firm."""
    estado: Mapped[Estado] = mapped_column(enum_type(Estado, "estado"), default=Estado.COLETA)
    dados: Mapped[dict[str, Any]] = mapped_column(JSON_DOC, default=dict)
    expira_em: Mapped[datetime] = mapped_column(UTCDateTime)
    ultima_entrada_id: Mapped[int | None] = mapped_column(BIG_ID)
    """Id of the last inbound message the engine processed (the sweeper re-enqueues newer ones)."""
    versao: Mapped[int] = mapped_column(default=1, server_default="1")
    """Optimistic lock: an UPDATE from a stale copy of the session fails instead of losing a change."""

    empresa: Mapped[Empresa | None] = relationship()
    usuario: Mapped[User | None] = relationship()
    mensagens: Mapped[list[Mensagem]] = relationship(back_populates="sessao", order_by="Mensagem.id")

    __mapper_args__ = {"version_id_col": versao}

    @property
    def aberta(self) -> bool:
        return self.estado not in ESTADOS_FINAIS


class Mensagem(Base):
    """One WhatsApp/API message. Append-only: only an outbound row's `envio` is ever updated."""

    __tablename__ = "mensagem"
    __table_args__ = (
        sa.UniqueConstraint("provider", "instance", "provider_id"),
        sa.Index("ix_mensagem_sessao_id", "sessao_id", "id"),
        sa.CheckConstraint("(direcao = 'out') = (envio IS NOT NULL)", name="envio_saida"),
        sa.Index(
            "uq_mensagem_anuncio",
            "nfse_id",
            "evento",
            unique=True,
            sqlite_where=sa.text("nfse_id IS NOT NULL"),
            postgresql_where=sa.text("nfse_id IS NOT NULL"),
        ),
        sa.Index(
            "ix_mensagem_pendente",
            "id",
            sqlite_where=sa.text("envio = 'pendente'"),
            postgresql_where=sa.text("envio = 'pendente'"),
        ),
        sa.Index(
            "ix_mensagem_falhou",
            "id",
            sqlite_where=sa.text("envio = 'falhou'"),
            postgresql_where=sa.text("envio = 'falhou'"),
        ),
        sa.Index(
            "ix_mensagem_llm_criado",
            "criado_em",
            sqlite_where=sa.text("llm_chamado"),
            postgresql_where=sa.text("llm_chamado"),
        ),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    sessao_id: Mapped[int] = mapped_column(sa.ForeignKey("sessao.id", ondelete="CASCADE"))
    direcao: Mapped[Direcao] = mapped_column(enum_type(Direcao, "direcao"))
    tipo: Mapped[TipoMensagem] = mapped_column(enum_type(TipoMensagem, "tipo"), default=TipoMensagem.TEXTO)
    texto: Mapped[str | None] = mapped_column(sa.Text)
    provider: Mapped[Provider] = mapped_column(enum_type(Provider, "provider"))
    instance: Mapped[str] = mapped_column(sa.String(100), default="")
    provider_id: Mapped[str | None] = mapped_column(sa.String(128))
    envio: Mapped[Envio | None] = mapped_column(enum_type(Envio, "envio"))
    llm_chamado: Mapped[bool] = mapped_column(default=False)
    tokens_in: Mapped[int | None] = mapped_column()
    tokens_out: Mapped[int | None] = mapped_column()
    llm_ms: Mapped[int | None] = mapped_column()
    nfse_id: Mapped[int | None] = mapped_column(BIG_ID, sa.ForeignKey("nfse.id", ondelete="SET NULL"))
    """The note an announcement is about (its outcome, its PDF); each event is announced once."""
    evento: Mapped[str | None] = mapped_column(sa.String(60))
    entrega_tentativas: Mapped[int] = mapped_column(default=0, server_default="0")
    """Failed delivery attempts of an outbound reply so far."""
    entrega_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """No delivery attempt before this instant: the lease of an attempt in progress, or the wait after a failure."""
    entregar_ate: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Last instant a failed delivery is retried (a resend from the admin sets it); None: DELIVERY_RETRY_HOURS
    after the reply was written."""
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    sessao: Mapped[Sessao] = relationship(back_populates="mensagens")


MUTABLE_MESSAGE_FIELDS = frozenset({"envio", "provider_id", "entrega_tentativas", "entrega_em", "entregar_ate"})
"""The delivery state of an outbound reply; everything else of a message is written once."""


@sa.event.listens_for(Mensagem, "before_update")
def _append_only(mapper, connection, target: Mensagem) -> None:
    """Refuse ORM updates of a message other than its delivery state and provider id."""
    state = sa.inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed - MUTABLE_MESSAGE_FIELDS:
        raise ValueError(f"Mensagem is append-only; refused change of {sorted(changed - MUTABLE_MESSAGE_FIELDS)}")
