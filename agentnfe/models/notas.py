"""NFS-e notes and the history of every attempt or action on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import MONEY, RATE, Base, Timestamps, UTCDateTime, enum_type, utcnow
from .contas import User
from .conversas import BIG_ID, JSON_DOC, Sessao
from .empresas import Empresa, ServicoEmpresa
from .enums import AcaoTentativa, NomeGateway, SituacaoCancelamento, StatusNFSe
from .tomadores import ClienteTomador


def nova_id_integracao() -> str:
    """A fresh integration id, never derived from a database id (those repeat after a restore)."""
    return f"agentnfe-{uuid.uuid4().hex}"


class NFSe(Timestamps, Base):
    __tablename__ = "nfse"
    __table_args__ = (
        sa.CheckConstraint("valor > 0", name="valor_positivo"),
        sa.Index("ix_nfse_contabilidade_status", "contabilidade_id", "status"),
        sa.Index("ix_nfse_contabilidade_criado", "contabilidade_id", "criado_em"),
        sa.Index("ix_nfse_empresa_criado", "empresa_id", "criado_em"),
        sa.Index("ix_nfse_status_atualizado", "status", "atualizado_em"),
        sa.Index("ix_nfse_criado", "criado_em"),
        sa.UniqueConstraint("empresa_id", "serie_dps", "numero_dps", name="uq_nfse_dps"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    contabilidade_id: Mapped[int] = mapped_column(sa.ForeignKey("contabilidade.id"))
    """Copied from the empresa so tenant-scoped lists and counts need no join."""
    empresa_id: Mapped[int] = mapped_column(sa.ForeignKey("empresa.id"))
    servico_id: Mapped[int | None] = mapped_column(sa.ForeignKey("servico_empresa.id", ondelete="SET NULL"), index=True)
    tomador_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cliente_tomador.id"), index=True)
    sessao_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sessao.id", ondelete="SET NULL"), index=True)
    id_integracao: Mapped[str] = mapped_column(sa.String(64), unique=True, default=nova_id_integracao)
    valor: Mapped[Decimal] = mapped_column(MONEY)
    descricao: Mapped[str] = mapped_column(sa.Text)
    competencia: Mapped[date] = mapped_column()
    data_servico: Mapped[date | None] = mapped_column()
    """The day the service was provided, when the user said it: the national DPS's dCompet."""
    codigo_municipio_prestacao: Mapped[str | None] = mapped_column(sa.String(7))
    """IBGE code of the place of service (the empresa's município unless said otherwise)."""
    aliquota_iss: Mapped[Decimal | None] = mapped_column(RATE)
    iss_retido: Mapped[bool] = mapped_column(default=False)
    status: Mapped[StatusNFSe] = mapped_column(enum_type(StatusNFSe, "status"), default=StatusNFSe.PENDENTE)
    gateway: Mapped[NomeGateway | None] = mapped_column(enum_type(NomeGateway, "gateway"))
    """The gateway the note went to (set with the first send): consultations follow the note, not the empresa."""
    gateway_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    chave_acesso: Mapped[str | None] = mapped_column(sa.String(50))
    """National layout: the NFS-e's 50-digit access key."""
    serie_dps: Mapped[str | None] = mapped_column(sa.String(5))
    numero_dps: Mapped[int | None] = mapped_column(sa.BigInteger)
    """National layout: the DPS série and number, allocated and stored before the first send."""
    municipio_incidencia: Mapped[str | None] = mapped_column(sa.String(7))
    """What the national system computed on the authorized NFS-e (cLocIncid, vBC, pAliqAplic, vISSQN, vTotalRet,
    vLiq; emission/apuracao.py): the amounts the month-end package uses instead of the profile's rate."""
    base_calculo: Mapped[Decimal | None] = mapped_column(MONEY)
    aliquota_aplicada: Mapped[Decimal | None] = mapped_column(RATE)
    valor_iss: Mapped[Decimal | None] = mapped_column(MONEY)
    valor_retido: Mapped[Decimal | None] = mapped_column(MONEY)
    valor_liquido: Mapped[Decimal | None] = mapped_column(MONEY)
    protocolo: Mapped[str | None] = mapped_column(sa.String(100))
    numero: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    codigo_verificacao: Mapped[str | None] = mapped_column(sa.String(100))
    pdf_url: Mapped[str | None] = mapped_column(sa.String(500))
    xml_url: Mapped[str | None] = mapped_column(sa.String(500))
    mensagem_erro: Mapped[str | None] = mapped_column(sa.Text)
    tomador_dados: Mapped[Any | None] = mapped_column(JSON_DOC)
    """Snapshot of the tomador (registry data plus what the firm said) the note was sent with."""
    cancelamento_codigo: Mapped[int | None] = mapped_column(sa.SmallInteger)
    """National cancellation code: 1 erro na emissão, 2 serviço não prestado, 9 outros."""
    cancelamento_motivo: Mapped[str | None] = mapped_column(sa.String(255))
    cancelamento_protocolo: Mapped[str | None] = mapped_column(sa.String(100))
    cancelamento_situacao: Mapped[SituacaoCancelamento | None] = mapped_column(
        enum_type(SituacaoCancelamento, "cancelamento_situacao")
    )
    cancelamento_pedido_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anuncios: Mapped[Any | None] = mapped_column(JSON_DOC)
    """What the user is to be told of the note's outcomes ([{evento, texto, documento, encerra}]), written with
    each outcome; the conversation turns each into one message (once: the event is unique per note)."""
    ultimo_anuncio: Mapped[str | None] = mapped_column(sa.String(60))
    """The last event in `anuncios`: a note whose last event has no message yet still has news to deliver."""
    payload: Mapped[Any | None] = mapped_column(JSON_DOC)
    resposta: Mapped[Any | None] = mapped_column(JSON_DOC)
    emitida_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enviada_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """First time the note went to the gateway: the polling window (24 h) counts from here."""
    reservada_ate: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Lease of the worker sending or consulting this note; an expired lease means nobody is on it."""

    empresa: Mapped[Empresa] = relationship()
    servico: Mapped[ServicoEmpresa | None] = relationship()
    tomador: Mapped[ClienteTomador | None] = relationship()
    sessao: Mapped[Sessao | None] = relationship()
    tentativas: Mapped[list[NFSeTentativa]] = relationship(back_populates="nfse", order_by="NFSeTentativa.id")

    # Every ORM UPDATE carries `WHERE status = <status as loaded>`: a transition applied by another worker
    # in the meantime makes this one fail (StaleDataError) instead of applying twice.
    __mapper_args__ = {"version_id_col": status, "version_id_generator": False}

    def __str__(self) -> str:
        return f"NFS-e {self.numero or self.id_integracao}"


class NFSeTentativa(Base):
    """One attempt or action on a note: who did it, when, and what the gateway answered."""

    __tablename__ = "nfse_tentativa"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    nfse_id: Mapped[int] = mapped_column(sa.ForeignKey("nfse.id", ondelete="CASCADE"), index=True)
    acao: Mapped[AcaoTentativa] = mapped_column(enum_type(AcaoTentativa, "acao"))
    usuario_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    """Null when the system acted on its own (task, poll, webhook)."""
    origem: Mapped[str] = mapped_column(sa.String(20), default="sistema", server_default="sistema")
    """Where the action came from: sistema, whatsapp, cli, admin or webhook."""
    id_integracao: Mapped[str] = mapped_column(sa.String(64))
    resultado: Mapped[str] = mapped_column(sa.String(500))
    status_resultante: Mapped[StatusNFSe] = mapped_column(enum_type(StatusNFSe, "status_resultante"))
    resposta: Mapped[Any | None] = mapped_column(JSON_DOC)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nfse: Mapped[NFSe] = relationship(back_populates="tentativas")
    usuario: Mapped[User | None] = relationship()
