"""AgentNFe: NFS-e issued from WhatsApp conversations, managed by accounting firms."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from agentnfe.infra import crypto, pasta, queue, sqlite
from agentnfe.infra.config import load_settings
from agentnfe.infra.extensions import cache, csrf, db, limiter, migrate
from agentnfe.infra.logs import configure_logging

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings read from the environment."""
    settings = load_settings(overrides=config)
    pasta.preparar(settings)
    app = Flask(__name__, instance_path=str(settings["DATA_DIR"]), template_folder=str(ROOT / "templates"))
    app.config.update(settings)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    register_extensions(app)
    register_integrations(app)
    register_blueprints(app)
    register_admin(app)
    register_commands(app)
    register_tasks(app)
    register_shellcontext(app)
    register_security(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind database, migrations, cache, rate limiter and secrets encryption to the app."""
    from . import models  # noqa: F401  (registers every table on db.metadata)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.configurar(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS),
        render_as_batch=True,
        compare_type=True,
        render_item=models.base.render_migration_item,
    )
    cache.init_app(app)
    limiter.init_app(app)
    app.before_request(_limite_do_corpo)  # before CSRF, which reads the form
    csrf.init_app(app)
    crypto.init_app(app)


def _limite_do_corpo() -> None:
    """Every body stops at MAX_BODY_KB (413) except the CSV upload of the admin, which may reach IMPORT_MAX_MB."""
    if request.endpoint == "importar.index":
        request.max_content_length = current_app.config["IMPORT_MAX_MB"] * 1024 * 1024


def register_integrations(app: Flask) -> None:
    """Build this process's clients for external services (one pooled client each)."""
    from .conversation import llm
    from .emission import gateways
    from .integrations import brasilapi, whatsapp

    llm.init_app(app)
    whatsapp.init_app(app)
    brasilapi.init_app(app)
    gateways.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the bot endpoints (webhooks, /send/, /healthz): authenticated by their own secrets, not CSRF."""
    from bot import bp as bot_bp

    app.register_blueprint(bot_bp)
    csrf.exempt(bot_bp)


def register_admin(app: Flask) -> None:
    """Mount the back-office at /admin/ with login at /login."""
    import admin

    admin.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the AgentNFe commands to `flask`/`python -m agentnfe`."""
    from agentnfe import cli

    for comando in cli.todos():
        app.cli.add_command(comando)


def register_tasks(app: Flask) -> None:
    """Configure the Huey queue; importing `tasks` registers every task on it."""
    queue.init_app(app)
    import tasks  # noqa: F401


def register_security(app: Flask) -> None:
    """Only this installation's host names, the client address from trusted proxies only, and headers that keep
    every page out of frames."""
    from agentnfe.infra.hosts import HostsAceitos
    from agentnfe.infra.proxies import ProxiesConfiaveis
    from agentnfe.infra.requisicao import SessaoSoNoNavegador

    app.session_interface = SessaoSoNoNavegador()
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxiesConfiaveis(app.wsgi_app, app.config["TRUSTED_PROXIES"])
    app.wsgi_app = HostsAceitos(app.wsgi_app, app.config["HOSTS_ACEITOS"])

    @app.after_request
    def _cabecalhos(resposta):
        resposta.headers.setdefault("X-Frame-Options", "DENY")
        resposta.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        resposta.headers.setdefault("X-Content-Type-Options", "nosniff")
        resposta.headers.setdefault("Referrer-Policy", "same-origin")
        return resposta


def register_shellcontext(app: Flask) -> None:
    """Make `flask shell` start with the database and the models at hand."""
    from . import models

    app.shell_context_processor(lambda: {"db": db, "models": models})
