"""`python -m agentnfe <command>`: the Flask CLI group of this application."""

import os
import sys

import sqlalchemy as sa
from flask.cli import FlaskGroup

from agentnfe.infra.config import ConfigError

from .app import create_app


class Comandos(FlaskGroup):
    """The product's commands only: Flask's development ones (run, shell, routes), the rate limiter's maintenance
    group and the framework's options (--app, --env-file, --debug) are not the accountant's business."""

    OCULTOS = frozenset({"limiter"})

    def list_commands(self, ctx) -> list[str]:
        return [nome for nome in super().list_commands(ctx) if nome not in self.OCULTOS]

    def get_command(self, ctx, name):
        return None if name in self.OCULTOS else super().get_command(ctx, name)


cli = Comandos(
    create_app=lambda: create_app(), add_default_commands=False, add_version_option=False, set_debug_flag=False,
    help="AgentNFe: notas fiscais de serviço pelo WhatsApp. Use um comando com --help para ver as opções dele.",
)  # fmt: skip
cli.params = [opcao for opcao in cli.params if opcao.name not in {"env_file", "app", "debug"}]


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
