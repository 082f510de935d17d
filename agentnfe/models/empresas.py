"""Empresas (service providers), their fiscal profiles, A1 certificates and authorized phones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from agentnfe.infra.crypto import EncryptedBytes, EncryptedText

from ..fiscal.phones import normalizar_telefone
from .base import RATE, Base, Timestamps, UTCDateTime, enum_type
from .contas import Contabilidade
from .enums import Ambiente, NomeGateway, Regime, RegimeEspecial

ENDERECO_OBRIGATORIO = {"logradouro": "logradouro", "numero": "número", "bairro": "bairro", "cep": "CEP"}
"""Address fields a gateway needs to register the empresa (PlugNotas, national layout), with PT-BR labels."""


class Empresa(Timestamps, Base):
    __tablename__ = "empresa"
    __table_args__ = (
        sa.Index("ix_empresa_contabilidade_razao", "contabilidade_id", "razao_social"),
        sa.CheckConstraint("apuracao_simples BETWEEN 1 AND 3", name="apuracao_simples"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contabilidade_id: Mapped[int] = mapped_column(sa.ForeignKey("contabilidade.id"), index=True)
    cnpj: Mapped[str] = mapped_column(sa.String(14), unique=True)
    razao_social: Mapped[str] = mapped_column(sa.String(200))
    nome_fantasia: Mapped[str | None] = mapped_column(sa.String(200))
    inscricao_municipal: Mapped[str | None] = mapped_column(sa.String(30))
    codigo_municipio: Mapped[str] = mapped_column(sa.String(7))
    uf: Mapped[str] = mapped_column(sa.String(2))
    logradouro: Mapped[str | None] = mapped_column(sa.String(200))
    numero: Mapped[str | None] = mapped_column(sa.String(20))
    complemento: Mapped[str | None] = mapped_column(sa.String(100))
    bairro: Mapped[str | None] = mapped_column(sa.String(100))
    cep: Mapped[str | None] = mapped_column(sa.String(8))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    telefone: Mapped[str | None] = mapped_column(sa.String(20))
    regime: Mapped[Regime] = mapped_column(enum_type(Regime, "regime"), index=True)
    regime_especial: Mapped[RegimeEspecial] = mapped_column(
        enum_type(RegimeEspecial, "regime_especial"), default=RegimeEspecial.NENHUM, server_default="nenhum"
    )
    incentivo_fiscal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    aliquota_simples_iss: Mapped[Decimal | None] = mapped_column(RATE)
    """Effective Simples Nacional ISS rate of the previous month (percent), updated monthly by the accountant."""
    aliquota_simples_total: Mapped[Decimal | None] = mapped_column(RATE)
    """Total effective Simples rate from the PGDAS-D (percent), monthly: the national DPS's pTotTribSN."""
    apuracao_simples: Mapped[int] = mapped_column(sa.SmallInteger, default=1, server_default="1")
    """regApTribSN 1-3 of a Simples ME/EPP (fiscal/regras_nacionais.py Apuracao): 2 and 3 over the sublimit."""
    percentual_tributos_federais: Mapped[Decimal | None] = mapped_column(RATE)
    """Approximate tax burden of a não optante (pTotTrib, Lei 12.741/2012); None: the regime's default
    (fiscal/carga_tributaria.py)."""
    percentual_tributos_estaduais: Mapped[Decimal | None] = mapped_column(RATE)
    percentual_tributos_municipais: Mapped[Decimal | None] = mapped_column(RATE)
    ambiente: Mapped[Ambiente] = mapped_column(
        enum_type(Ambiente, "ambiente"), default=Ambiente.HOMOLOGACAO, server_default="homologacao"
    )
    serie_rps: Mapped[str] = mapped_column(sa.String(5), default="1", server_default="1")
    numero_rps: Mapped[int] = mapped_column(default=1, server_default="1")
    """The next RPS number at the city, given to the gateway when the empresa is registered there."""
    cadastrada_gateway_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the gateway first accepted the empresa: later registrations are updates (PATCH)."""
    gateway: Mapped[NomeGateway | None] = mapped_column(enum_type(NomeGateway, "gateway"))
    """Where this empresa's notes go; None = NFSE_GATEWAY."""
    serie_dps: Mapped[str] = mapped_column(sa.String(5), default="1", server_default="1")
    """The empresa's DPS série in the national layout, never shared with PlugNotas' RPS."""
    numero_dps: Mapped[int] = mapped_column(sa.BigInteger, default=1, server_default="1")
    """The next DPS number: taken under the row's lock, never given twice (agentnfe/emission/numeracao.py)."""
    ativa: Mapped[bool] = mapped_column(default=True, index=True)

    contabilidade: Mapped[Contabilidade] = relationship(back_populates="empresas")
    servicos: Mapped[list[ServicoEmpresa]] = relationship(
        back_populates="empresa", cascade="all, delete-orphan", order_by="ServicoEmpresa.id"
    )
    telefones: Mapped[list[UsuarioEmpresa]] = relationship(
        back_populates="empresa", cascade="all, delete-orphan", order_by="UsuarioEmpresa.id"
    )
    certificados: Mapped[list[Certificado]] = relationship(
        back_populates="empresa", cascade="all, delete-orphan", order_by="Certificado.valido_ate"
    )

    def __str__(self) -> str:
        return self.nome_fantasia or self.razao_social

    @property
    def endereco_faltando(self) -> list[str]:
        """PT-BR labels of the address fields still empty (gateways refuse to register such an empresa)."""
        return [rotulo for campo, rotulo in ENDERECO_OBRIGATORIO.items() if not (getattr(self, campo) or "").strip()]


class ServicoEmpresa(Timestamps, Base):
    """A fiscal profile of an empresa; exactly one per empresa is the padrão."""

    __tablename__ = "servico_empresa"
    __table_args__ = (
        sa.CheckConstraint("aliquota_iss >= 0 AND aliquota_iss <= 5", name="aliquota_iss"),
        sa.Index(
            "uq_servico_empresa_padrao",
            "empresa_id",
            unique=True,
            sqlite_where=sa.text("padrao"),
            postgresql_where=sa.text("padrao"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    empresa_id: Mapped[int] = mapped_column(sa.ForeignKey("empresa.id", ondelete="CASCADE"), index=True)
    codigo_servico: Mapped[str] = mapped_column(sa.String(5))
    codigo_tributacao_nacional: Mapped[str | None] = mapped_column(sa.String(6))
    """cTribNac: LC 116 item + subitem + 2-digit national desdobro (`010701`)."""
    codigo_tributacao_municipal: Mapped[str | None] = mapped_column(sa.String(20))
    cnae: Mapped[str | None] = mapped_column(sa.String(7))
    aliquota_iss: Mapped[Decimal] = mapped_column(RATE)
    iss_retido: Mapped[bool] = mapped_column(default=False)
    descricao: Mapped[str | None] = mapped_column(sa.String(500))
    palavras_chave: Mapped[str | None] = mapped_column(sa.String(500))
    nbs: Mapped[str | None] = mapped_column(sa.String(12))
    cst_ibscbs: Mapped[str | None] = mapped_column(sa.String(3))
    cclass_trib: Mapped[str | None] = mapped_column(sa.String(12))
    cind_op: Mapped[str | None] = mapped_column(sa.String(6))
    """IBS/CBS "código indicador da operação" (6 digits): the national DPS's IBSCBS group needs it."""
    padrao: Mapped[bool] = mapped_column(default=False)

    empresa: Mapped[Empresa] = relationship(back_populates="servicos")

    def __str__(self) -> str:
        return f"{self.codigo_servico} {self.descricao or ''}".strip()


class Certificado(Timestamps, Base):
    """An A1 certificate; file and password are encrypted at rest."""

    __tablename__ = "certificado"

    id: Mapped[int] = mapped_column(primary_key=True)
    empresa_id: Mapped[int] = mapped_column(sa.ForeignKey("empresa.id", ondelete="CASCADE"), index=True)
    arquivo: Mapped[bytes] = mapped_column(EncryptedBytes)
    senha: Mapped[str] = mapped_column(EncryptedText)
    titular: Mapped[str] = mapped_column(sa.String(200))
    cnpj: Mapped[str] = mapped_column(sa.String(14))
    valido_de: Mapped[date] = mapped_column()
    valido_ate: Mapped[date] = mapped_column(index=True)
    enviado_gateway_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gateway_id: Mapped[str | None] = mapped_column(sa.String(100))

    empresa: Mapped[Empresa] = relationship(back_populates="certificados")

    def __repr__(self) -> str:
        return f"<Certificado {self.id} {self.cnpj} até {self.valido_ate}>"


class UsuarioEmpresa(Timestamps, Base):
    """A phone authorized to ask for notes on behalf of an empresa."""

    __tablename__ = "usuario_empresa"
    __table_args__ = (sa.UniqueConstraint("empresa_id", "telefone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    empresa_id: Mapped[int] = mapped_column(sa.ForeignKey("empresa.id", ondelete="CASCADE"), index=True)
    telefone: Mapped[str] = mapped_column(sa.String(15), index=True)
    nome: Mapped[str | None] = mapped_column(sa.String(200))
    ativo: Mapped[bool] = mapped_column(default=True)

    empresa: Mapped[Empresa] = relationship(back_populates="telefones")

    @validates("telefone")
    def _normalizar(self, _key: str, telefone: str) -> str:
        """Every way of writing a phone is stored the same way (raises TelefoneInvalido)."""
        return normalizar_telefone(telefone)

    def __str__(self) -> str:
        return f"{self.nome or ''} {self.telefone}".strip()


# Computed in SQL and loaded only where a list page asks for them (no per-row queries).
Empresa.telefones_ativos = sa.orm.column_property(
    sa.select(sa.func.count(UsuarioEmpresa.id))
    .where(UsuarioEmpresa.empresa_id == Empresa.id, UsuarioEmpresa.ativo)
    .correlate_except(UsuarioEmpresa)
    .scalar_subquery(),
    deferred=True,
)
Empresa.certificado_ate = sa.orm.column_property(
    sa.select(sa.func.max(Certificado.valido_ate))
    .where(Certificado.empresa_id == Empresa.id)
    .correlate_except(Certificado)
    .scalar_subquery(),
    deferred=True,
)
