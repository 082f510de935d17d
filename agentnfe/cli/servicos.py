"""The long-running commands: `serve` (waitress, with the embedded queue's consumer) and `worker`."""

from __future__ import annotations

import gc
import signal
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from agentnfe.cli.comum import first_run_hint, upgrade_database
from agentnfe.infra import metricas
from agentnfe.infra.extensions import huey

CONSUMIDOR_THREADS = 32
"""Threads of a task consumer (`worker`, and the one inside `serve`/`desktop`): tasks wait mostly on the LLM, the
gateway and WhatsApp, so threads rather than processes, and many — with 30 % of the messages waiting 1.5 s on the
LLM, 8 threads answered 24–33 messages/s, 32 threads 71/s and 64 threads 56–76/s (README, Desempenho)."""


def consumidor_da_fila(threads: int):
    """Huey's consumer on threads. The SQLite queue cannot block on a read, so an idle thread polls it, backing off
    up to 1 s (Huey's default, 10 s, let a message after a quiet spell wait seconds at each of its two hops)."""
    return huey.create_consumer(workers=threads, worker_type="thread", max_delay=1.0)


def compartilhar_metricas() -> None:
    """A service process counts into the installation's shared metrics directory, so /metrics shows them all."""
    metricas.multiprocesso(Path(current_app.config["DATA_DIR"]) / "metricas")


def congelar_objetos_da_partida() -> None:
    """Take what the app built at start (models, admin views, tables) out of the garbage collector's scans, which
    then walk only what requests create: a webhook request costs about a third less (tools/bench)."""
    gc.collect()
    gc.freeze()


@click.command("serve", help="Serve o aplicativo com waitress (atualiza o banco antes).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Modo embutido: não roda o consumidor de tarefas neste processo.")
@click.option(
    "--workers", default=CONSUMIDOR_THREADS, show_default=True, type=click.IntRange(1, 256),
    help="Modo embutido: threads do consumidor de tarefas neste processo.",
)  # fmt: skip
@with_appcontext
def serve(host: str, port: int, threads: int, no_worker: bool, workers: int) -> None:
    """Serve the app with waitress (schema upgraded first)."""
    compartilhar_metricas()
    upgrade_database()
    hint = first_run_hint()
    if hint:
        click.echo(hint)
    servir(host, port, threads, consumidor=workers if not no_worker else 0)


def endereco_publico(app, porta: int) -> None:
    """Links handed out (a note's PDF, WhatsApp announcements) must open: with PUBLIC_URL unset they follow the
    port this process listens on; set to this computer on another port in embedded mode, the operator is told."""
    if not app.config["PUBLIC_URL_DEFINIDO"]:
        app.config["PUBLIC_URL"] = f"http://127.0.0.1:{porta}"
        return
    alvo = urlsplit(app.config["PUBLIC_URL"])
    local = alvo.hostname in ("127.0.0.1", "localhost", "::1")
    if app.config["HUEY_STORAGE"] == "sqlite" and local and (alvo.port or 80) != porta:
        click.echo(
            f"Aviso: PUBLIC_URL ({app.config['PUBLIC_URL']}) aponta para a porta {alvo.port or 80}, mas o AgentNFe "
            f"escuta na {porta}: os links das notas não vão abrir. Corrija PUBLIC_URL ou remova-a.",
            err=True,
        )


def servir(host: str, port: int, threads: int, consumidor: int, ao_iniciar=None) -> None:
    """Waitress on host:port until Ctrl-C or SIGTERM, with the embedded queue's consumer in this process on
    `consumidor` threads (0: none; running tasks finish, queued ones stay in the queue). `ao_iniciar(porta)` runs
    once bound."""
    import waitress

    app = current_app._get_current_object()
    consumer = None
    if app.config["HUEY_STORAGE"] == "sqlite" and consumidor and not app.config["HUEY_IMMEDIATE"]:
        consumer = consumidor_da_fila(consumidor)
        consumer.start()
        click.echo(
            f"Fila de tarefas: consumidor embutido com {consumidor} threads (use --no-worker e 'worker' para separar)."
        )
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)  # waitress stops on KeyboardInterrupt, then the consumer drains
    servidor = waitress.create_server(
        app, host=host, port=port, threads=threads, ident="AgentNFe",
        # X-Forwarded-* reach the app, whose middleware alone believes them, and only from TRUSTED_PROXIES:
        # waitress clears them by default unless its own single `trusted_proxy` sent them (agentnfe/infra/proxies.py).
        clear_untrusted_proxy_headers=False,
    )  # fmt: skip
    congelar_objetos_da_partida()
    porta = getattr(servidor, "effective_port", port)  # several sockets (a host name with IPv4 and IPv6): as asked
    click.echo(f"AgentNFe em http://{host}:{porta}/ (Ctrl+C para sair)")
    endereco_publico(app, porta)
    if ao_iniciar is not None:
        ao_iniciar(porta)
    try:
        servidor.run()  # returns on KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("Encerrando…")
        if consumer is not None:
            consumer.stop(graceful=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("worker", help="Roda o consumidor da fila de tarefas.")
@click.option(
    "-w",
    "--workers",
    default=CONSUMIDOR_THREADS,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads do consumidor.",
)
@with_appcontext
def worker(workers: int) -> None:
    """Run the Huey consumer that processes messages and emissions."""
    compartilhar_metricas()
    consumer = consumidor_da_fila(workers)
    congelar_objetos_da_partida()
    click.echo(f"Consumidor da fila com {workers} threads ({current_app.config['HUEY_STORAGE']}).")
    consumer.run()


COMMANDS = [serve, worker]
