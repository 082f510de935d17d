"""`python -m agentnfe <command>`: the Flask CLI group of this application."""

import sys

import sqlalchemy as sa
from flask.cli import FlaskGroup

from . import create_app
from .config import ConfigError

cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, add_version_option=False)


def main() -> None:
    """Run a command; a configuration or a database that cannot work is one line on stderr, never a traceback."""
    try:
        cli(prog_name="python -m agentnfe")
    except ConfigError as erro:
        print(f"agentnfe: configuração inválida: {erro}", file=sys.stderr)
        sys.exit(2)
    except sa.exc.OperationalError as erro:
        causa = str(erro.orig).strip().splitlines()[0] if erro.orig else str(erro)
        print(f"agentnfe: banco de dados indisponível: {causa}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
