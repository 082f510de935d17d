"""Service takers (tomadores), shared across firms, and their per-empresa overrides."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, enum_type
from .empresas import Empresa
from .enums import FonteTomador, TipoDocumento


class ClienteTomador(Timestamps, Base):
    """Registry data of a CPF/CNPJ, shared by every firm, written only by agentnfe.cadastros.tomadores."""

    __tablename__ = "cliente_tomador"

    id: Mapped[int] = mapped_column(primary_key=True)
    documento: Mapped[str] = mapped_column(sa.String(14), unique=True)
    tipo_documento: Mapped[TipoDocumento] = mapped_column(enum_type(TipoDocumento, "tipo_documento"))
    razao_social: Mapped[str | None] = mapped_column(sa.String(200))
    nome_fantasia: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    logradouro: Mapped[str | None] = mapped_column(sa.String(200))
    numero: Mapped[str | None] = mapped_column(sa.String(20))
    complemento: Mapped[str | None] = mapped_column(sa.String(100))
    bairro: Mapped[str | None] = mapped_column(sa.String(100))
    cep: Mapped[str | None] = mapped_column(sa.String(8))
    municipio: Mapped[str | None] = mapped_column(sa.String(100))
    codigo_municipio: Mapped[str | None] = mapped_column(sa.String(7))
    uf: Mapped[str | None] = mapped_column(sa.String(2))
    situacao_cadastral: Mapped[str | None] = mapped_column(sa.String(30))
    fonte: Mapped[FonteTomador] = mapped_column(enum_type(FonteTomador, "fonte"))

    def __str__(self) -> str:
        return self.razao_social or self.documento


class EmpresaClienteTomador(Timestamps, Base):
    """What a firm or its client says about a tomador: name, the e-mail the note goes to, address, ISS override."""

    __tablename__ = "empresa_cliente_tomador"
    __table_args__ = (sa.UniqueConstraint("empresa_id", "tomador_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    empresa_id: Mapped[int] = mapped_column(sa.ForeignKey("empresa.id", ondelete="CASCADE"), index=True)
    tomador_id: Mapped[int] = mapped_column(sa.ForeignKey("cliente_tomador.id", ondelete="CASCADE"), index=True)
    nome: Mapped[str | None] = mapped_column(sa.String(200))
    """Required before emission when the registry has no name (always for a CPF)."""
    email: Mapped[str | None] = mapped_column(sa.String(254))
    logradouro: Mapped[str | None] = mapped_column(sa.String(200))
    numero: Mapped[str | None] = mapped_column(sa.String(20))
    complemento: Mapped[str | None] = mapped_column(sa.String(100))
    bairro: Mapped[str | None] = mapped_column(sa.String(100))
    cep: Mapped[str | None] = mapped_column(sa.String(8))
    codigo_municipio: Mapped[str | None] = mapped_column(sa.String(7))
    uf: Mapped[str | None] = mapped_column(sa.String(2))
    iss_retido: Mapped[bool | None] = mapped_column()

    empresa: Mapped[Empresa] = relationship()
    tomador: Mapped[ClienteTomador] = relationship()

    def __str__(self) -> str:
        return self.nome or str(self.tomador)
