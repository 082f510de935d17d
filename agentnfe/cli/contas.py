"""Firms and back-office users: `create-contabilidade`, `create-user`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from agentnfe.contas import ContaInvalida, criar_contabilidade, criar_usuario
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import Papel


@click.command("create-contabilidade", help="Cria uma contabilidade.")
@click.argument("nome")
@click.option("--cnpj", default=None)
@with_appcontext
def create_contabilidade(nome: str, cnpj: str | None) -> None:
    """Create an accounting firm."""
    try:
        with transacao():
            firma = criar_contabilidade(db.session, nome, cnpj)
    except (ContaInvalida, ValueError) as erro:
        raise click.ClickException(str(erro)) from None
    click.echo(f"Contabilidade criada: {firma.nome} (id {firma.id})")


@click.command("create-user", help="Cria um usuário do painel (admin, contador ou suporte).")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([p.value for p in Papel]))
@click.option("--contabilidade", default=None, help="Nome da contabilidade (maiúsculas e minúsculas tanto faz).")
@click.option("--superuser", is_flag=True)
@click.option("--password-stdin", is_flag=True, help="Lê a senha da primeira linha da entrada padrão.")
@with_appcontext
def create_user(email: str, role: str, contabilidade: str | None, superuser: bool, password_stdin: bool) -> None:
    """Create a back-office user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Senha", hide_input=True, confirmation_prompt=True)
    try:
        with transacao():
            user = criar_usuario(db.session, email, Papel(role), password, contabilidade, superuser)
            firma = f" em {user.contabilidade.nome}" if user.contabilidade else ""
            criado = f"Usuário criado: {user.email} ({user.role.value}{', superusuário' if superuser else ''}){firma}"
    except ContaInvalida as erro:
        raise click.ClickException(str(erro)) from None
    click.echo(criado)


COMMANDS = [create_contabilidade, create_user]
