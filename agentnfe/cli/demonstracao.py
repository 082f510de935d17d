"""Demo data and extraction tuning: `seed-demo`, `extract`."""

from __future__ import annotations

import json
import secrets
import sys
import time

import click
from flask.cli import with_appcontext

from agentnfe.conversation.extracao_cli import extrair_linha
from agentnfe.infra.extensions import db
from agentnfe.seed import seed_demo


@click.command("seed-demo", help="Carrega dados de demonstração (contabilidades, empresas, notas e conversas).")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--password", default=None, help="Senha dos administradores de demonstração (gerada e mostrada se ausente)."
)
@with_appcontext
def seed_demo_command(scale: int, password: str | None) -> None:
    """Load demo firms: each with 20 empresas, 1,000 notes and 10,000 messages."""
    generated = password is None
    password = password or secrets.token_urlsafe(9)
    inicio = time.monotonic()
    with click.progressbar(length=scale, label="Criando firmas de demonstração") as barra:
        criadas = seed_demo(db.session, scale, password, progress=lambda _firma: barra.update(1))
    click.echo(f"{len(criadas)} firmas criadas em {time.monotonic() - inicio:.1f} s.")
    for firma in criadas[:3]:
        click.echo(f"  {firma.nome}: login {firma.email}")
    if len(criadas) > 3:
        click.echo(f"  … até {criadas[-1].nome}: login {criadas[-1].email}")
    if generated:
        click.echo(f"Senha dos administradores de demonstração: {password}")


@click.command("extract", help="Lê os campos da nota de mensagens em JSON Lines (teste das regras de extração).")
@click.option("--no-llm", is_flag=True, help="Só as regras, mesmo com OPENAI_API_KEY definida.")
@click.argument("arquivo", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def extract(no_llm: bool, arquivo: str | None) -> None:
    """Extract note fields from JSON Lines ({"id", "text"}) on FILE or stdin; JSON Lines out."""
    try:
        entrada = open(arquivo, "rb") if arquivo else sys.stdin.buffer  # noqa: SIM115
    except OSError as erro:
        raise click.ClickException(f"cannot read {arquivo}: {erro.strerror}") from None
    with entrada:
        for linha in entrada:
            click.echo(json.dumps(extrair_linha(linha, usar_llm=not no_llm), ensure_ascii=False))


COMMANDS = [seed_demo_command, extract]
