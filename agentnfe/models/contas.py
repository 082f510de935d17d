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

METODO_SENHA = "scrypt"
"""Werkzeug's password hash (scrypt, its default cost); the test suite swaps in a cheap one."""


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
            "(contabilidade_id IS NULL) = (role = 'suporte' OR is_superuser)",
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
    versao_do_login: Mapped[int] = mapped_column("sessao_versao", default=1, server_default="1")
    """Part of every login cookie; bumped on logout and password change, it ends the sessions issued before."""

    contabilidade: Mapped[Contabilidade | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ativo

    def get_id(self) -> str:
        """The login cookie names the user and the session version (see `versao_do_login`)."""
        return f"{self.id}:{self.versao_do_login}"

    def encerrar_sessoes(self) -> None:
        """Invalidate every login cookie issued so far for this user."""
        self.versao_do_login = (self.versao_do_login or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, METODO_SENHA)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return self.email
