"""`python -m agentnfe <command>`: the Flask CLI group of this application."""

import os
import sys

import sqlalchemy as sa
from flask.cli import FlaskGroup

from . import create_app
from .config import ConfigError

cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, add_version_option=False)


SERVICOS = {"serve", "worker", "desktop"}
"""Commands that run until stopped: their log is their output. The others print only what was asked for."""


def main() -> None:
    """Run a command; a configuration or a database that cannot work is one line on stderr, never a traceback.

    Commands other than services log only warnings and errors on stderr, unless `-v` is given."""
    argumentos = sys.argv[1:]
    if "-v" in argumentos:
        argumentos.remove("-v")
        os.environ["LOG_LEVEL"] = "INFO"
    elif not SERVICOS & set(argumentos):
        os.environ["LOG_LEVEL"] = "WARNING"
    try:
        cli(args=argumentos, prog_name="python -m agentnfe")
    except ConfigError as erro:
        print(f"agentnfe: configuração inválida: {erro}", file=sys.stderr)
        sys.exit(2)
    except sa.exc.OperationalError as erro:
        causa = str(erro.orig).strip().splitlines()[0] if erro.orig else str(erro)
        print(f"agentnfe: banco de dados indisponível: {causa}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
