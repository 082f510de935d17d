"""Operations on firms and back-office users (used by the CLI and, later, the admin)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .fiscal import parse_cnpj
from .models import Contabilidade, Papel, User

MIN_PASSWORD = 8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ContaInvalida(ValueError):
    """A user or firm that cannot be created as asked; str() says why."""


def parse_email(texto: str) -> str:
    email = (texto or "").strip().lower()
    if not _EMAIL.fullmatch(email):
        raise ContaInvalida(f"e-mail inválido: {texto!r}")
    return email


def criar_contabilidade(session: Session, nome: str, cnpj: str | None = None) -> Contabilidade:
    nome = " ".join((nome or "").split())
    if not nome:
        raise ContaInvalida("o nome da contabilidade é obrigatório")
    if session.scalar(Contabilidade.por_nome(nome)) is not None:
        raise ContaInvalida(f"a contabilidade {nome!r} já existe")
    contabilidade = Contabilidade(nome=nome, cnpj=parse_cnpj(cnpj) if cnpj else None)
    session.add(contabilidade)
    session.flush()
    return contabilidade


def criar_usuario(
    session: Session,
    email: str,
    role: Papel,
    password: str,
    contabilidade: str | None = None,
    superuser: bool = False,
) -> User:
    """Create a back-office user; admin and contador need an existing firm, suporte has none."""
    email = parse_email(email)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ContaInvalida(f"já existe um usuário {email}")
    if len(password) < MIN_PASSWORD:
        raise ContaInvalida(f"a senha precisa de pelo menos {MIN_PASSWORD} caracteres")
    firma = None
    if role is Papel.SUPORTE or superuser:
        if contabilidade:
            quem = "superusuários (operadores)" if superuser else "usuários de suporte"
            raise ContaInvalida(f"{quem} não pertencem a uma contabilidade (veem todas)")
    elif contabilidade:
        firma = session.scalar(Contabilidade.por_nome(contabilidade))
        if firma is None:
            raise ContaInvalida(f"contabilidade {contabilidade!r} não existe")
    else:
        raise ContaInvalida(f"--contabilidade é obrigatório para o papel {role.value}")
    user = User(email=email, role=role, contabilidade=firma, is_superuser=superuser)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


class JaConfigurado(ContaInvalida):
    """The installation already has a user: the first run happened."""


def criar_primeira_conta(session: Session, nome_firma: str, email: str, senha: str) -> User:
    """The first firm and its admin, once per installation even when several requests race: the user table is
    locked for writing before it is checked (PostgreSQL: a table lock; SQLite: a write opens the transaction,
    so its snapshot starts after any other first run has committed). The caller commits."""
    dialeto = session.get_bind().dialect
    if dialeto.name == "postgresql":
        tabela = dialeto.identifier_preparer.quote(User.__tablename__)
        session.execute(sa.text(f"LOCK TABLE {tabela} IN SHARE ROW EXCLUSIVE MODE"))
    else:
        session.execute(sa.update(User).where(sa.false()).values(ativo=User.ativo))
    if session.scalar(sa.select(User.id).limit(1)) is not None:
        raise JaConfigurado("o AgentNFe já foi configurado: entre com seu e-mail e senha")
    firma = criar_contabilidade(session, nome_firma)
    return criar_usuario(session, email, Papel.ADMIN, senha, firma.nome)
