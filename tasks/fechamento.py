"""The month-end package as a background job (agentnfe.infra.trabalhos): one ZIP per empresa in the job's folder."""

from __future__ import annotations

from datetime import date

from agentnfe.emission import fechamento
from agentnfe.infra import trabalhos
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import in_app_context


def iniciar(contabilidade_id: int | None, usuario: str, empresa_ids: list[int], mes: date) -> str:
    """Queue the package; returns the job id the admin's page follows."""
    trabalho = trabalhos.criar(
        {"contabilidade_id": contabilidade_id, "usuario": usuario, "competencia": f"{mes:%m/%Y}",
         "total": fechamento.total_de_notas(empresa_ids, mes), "feitas": 0, "arquivos": [], "pronto": False,
         "erro": None}
    )  # fmt: skip
    build_month_end(trabalho, empresa_ids, mes.isoformat())
    return trabalho


@huey.task(retries=0)
@in_app_context
def build_month_end(trabalho: str, empresa_ids: list[int], competencia: str) -> None:
    atual = trabalhos.ler(trabalho)
    mes = date.fromisoformat(competencia)

    def avancar() -> None:
        atual["feitas"] += 1
        trabalhos.gravar(trabalho, atual)

    try:
        for empresa_id in empresa_ids:
            pacote = fechamento.gerar(empresa_id, mes, trabalhos.pasta(trabalho), progresso=avancar)
            atual["arquivos"].append({"nome": pacote.arquivo.name, "empresa": pacote.empresa, "notas": pacote.notas,
                                      "faltando": pacote.faltando})  # fmt: skip
            trabalhos.gravar(trabalho, atual)
    except Exception:
        atual["erro"] = "O fechamento parou no meio; tente de novo. O erro ficou registrado para o suporte."
        trabalhos.gravar(trabalho, atual)
        raise
    atual["pronto"] = True
    trabalhos.gravar(trabalho, atual)
