"""A large CSV import of empresas, in the worker (agentnfe.cadastros.lotes)."""

from __future__ import annotations

from agentnfe.cadastros import lotes
from agentnfe.infra import trabalhos
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context


@huey.task(retries=0)
@in_app_context
def importar_empresas(trabalho: str) -> None:
    try:
        lotes.executar(trabalho)
    except Exception:
        atual = trabalhos.ler(trabalho)
        atual["erro"] = "A importação parou e nada foi gravado; tente de novo. O erro ficou registrado para o suporte."
        trabalhos.gravar(trabalho, atual)
        raise
