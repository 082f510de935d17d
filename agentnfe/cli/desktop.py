"""`desktop`: the whole product on one computer, in one process, for a small firm (docs/arquitetura.md §7)."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import webbrowser

import click
from flask import current_app
from flask.cli import with_appcontext

from agentnfe.cli.comum import first_run_hint, upgrade_database
from agentnfe.cli.servicos import CONSUMIDOR_THREADS, servir


@click.command("desktop", help="Roda o AgentNFe só neste computador (127.0.0.1), tudo num processo.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 escolhe uma porta livre.")
@click.option("--no-browser", is_flag=True, help="Não abre o navegador (o endereço é mostrado).")
@with_appcontext
def desktop(port: int, no_browser: bool) -> None:
    """Run AgentNFe on this computer only (127.0.0.1): web, task queue and a daily backup, in one process."""
    from admin import desktop as paginas

    app = current_app._get_current_object()
    if app.config["HUEY_STORAGE"] != "sqlite" or not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise click.ClickException("desktop roda no modo embutido: remova DATABASE_URL e REDIS_URL do ambiente")
    upgrade_database()
    primeiro = first_run_hint() is not None
    app.config[paginas.TOKEN] = secrets.token_urlsafe(24) if primeiro else None
    app.config["BACKUP_DIARIO"] = True
    paginas.init_app(app, encerrar=_encerrar_em_seguida)

    def aberto(porta: int) -> None:
        endereco = f"http://127.0.0.1:{porta}/admin/"
        if primeiro:
            endereco = f"http://127.0.0.1:{porta}/primeiro-acesso?token={app.config[paginas.TOKEN]}"
            click.echo(f"Primeiro acesso: abra {endereco} para criar a contabilidade e o seu usuário.")
        from tasks.manutencao import backup_diario

        backup_diario()  # the day's backup, if none was made in the last 24 h
        if not no_browser:
            webbrowser.open(endereco)

    servir("127.0.0.1", port, threads=8, consumidor=CONSUMIDOR_THREADS, ao_iniciar=aberto)


def _encerrar_em_seguida() -> None:
    """Stop as Ctrl-C would, a moment after the "Sair" page has been answered."""
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()


COMMANDS = [desktop]
