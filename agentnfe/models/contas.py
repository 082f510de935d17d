"""Accounting firms (tenants) and the people who log into the back-office."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, Timestamps, UTCDateTime, enum_type
from .enums import Papel

if TYPE_CHECKING:
    from .empresas import Empresa


class Contabilidade(Timestamps, Base):
    __tablename__ = "contabilidade"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome: Mapped[str] = mapped_column(sa.String(200))
    nome_chave: Mapped[str] = mapped_column(sa.String(200), unique=True)
    """`nome` case-folded in Python (SQLite's lower() ignores accents), so uniqueness ignores case."""
    cnpj: Mapped[str | None] = mapped_column(sa.String(14))

    empresas: Mapped[list[Empresa]] = relationship(back_populates="contabilidade")

    @staticmethod
    def chave(nome: str) -> str:
        return " ".join(nome.split()).casefold()

    @validates("nome")
    def _set_chave(self, _key: str, nome: str) -> str:
        self.nome_chave = self.chave(nome)
        return nome

    @classmethod
    def por_nome(cls, nome: str) -> sa.Select:
        """Select the firm whose name matches exactly, ignoring case."""
        return sa.select(cls).where(cls.nome_chave == cls.chave(nome))

    def __str__(self) -> str:
        return self.nome


class User(UserMixin, Timestamps, Base):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'suporte' AND contabilidade_id IS NULL) "
            "OR (role <> 'suporte' AND (contabilidade_id IS NOT NULL OR is_superuser))",
            name="tenant",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Papel] = mapped_column(enum_type(Papel, "role"))
    contabilidade_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contabilidade.id"), index=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    ativo: Mapped[bool] = mapped_column(default=True)
    ultimo_login_em: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contabilidade: Mapped[Contabilidade | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ativo

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return self.email
