"""The national emitter's background reads: the convênio of the municípios whose empresas issue there."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from agentnfe.emission import convenios_nacionais
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context


@huey.task(retries=3, retry_delay=300)
@in_app_context
def check_convenio(empresa_id: int) -> None:
    """After an empresa is moved to the national emitter (the admin never asks the network in its request)."""
    convenios_nacionais.conferir(empresa_id)


@huey.periodic_task(crontab(hour="9", minute="23"))
@in_app_context
def daily_convenios() -> None:
    """Each morning in Brazil (09:23 UTC) the convênios are read again for the day (agentnfe/cadastros/convenios.py)."""
    padrao = current_app.config["NFSE_GATEWAY"] == "nacional"
    for empresa_id in convenios_nacionais.empresas_a_conferir(padrao):
        check_convenio(empresa_id)
