"""Firms and back-office users: the one writer of contabilidade and user (docs/arquitetura.md §8). The CLI, the
CSV import and the admin call these operations; they add and flush, the entry point commits."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .fiscal import parse_cnpj
from .infra.extensions import db
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
    return nova_contabilidade(session, nome, parse_cnpj(cnpj) if cnpj else None)


def nova_contabilidade(session: Session, nome: str, cnpj: str | None = None) -> Contabilidade:
    """Add a firm whose name the caller already found free (the CSV import creates the firms its rows name)."""
    contabilidade = Contabilidade(nome=nome, cnpj=cnpj)
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


def novo(modelo: type) -> User:
    """A new user for the admin's create form, added to the session."""
    usuario = modelo()
    db.session.add(usuario)
    return usuario


def preencher_do_formulario(form, usuario: User) -> None:
    form.populate_obj(usuario)


def excluir(usuario: User) -> None:
    db.session.delete(usuario)


def alterar_usuario(
    usuario: User, email: str, papel: Papel, contabilidade_id: int | None, senha: str | None, criado: bool
) -> None:
    """What the admin's user form decided: support staff and operators belong to no firm; a new password or a
    deactivation ends the user's open logins."""
    usuario.email = parse_email(email)
    usuario.role = papel
    usuario.contabilidade_id = None if usuario.is_superuser or papel is Papel.SUPORTE else contabilidade_id
    if senha:
        usuario.set_password(senha)
    if not criado and (senha or not usuario.ativo):
        usuario.encerrar_sessoes()


def marcar_login(usuario: User, instante: datetime) -> None:
    usuario.ultimo_login_em = instante


def encerrar_logins(usuario: User) -> None:
    """Every open login of the user ends (a copied cookie stops working too)."""
    usuario.encerrar_sessoes()


def trocar_senha(usuario: User, senha: str) -> None:
    """The user's own new password; the other open logins end."""
    usuario.set_password(senha)
    usuario.encerrar_sessoes()
