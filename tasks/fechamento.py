"""The month-end package as a background job: a folder per request in the data dir holding the ZIPs and the
job's progress (estado.json), read by the admin's page while the worker builds it."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from datetime import date
from pathlib import Path

from flask import current_app
from huey import crontab

from agentnfe.emission import fechamento
from agentnfe.extensions import huey
from agentnfe.queue import in_app_context

ESTADO = "estado.json"
GUARDA_DIAS = 7
"""A package stays downloadable for a week; the accountant keeps the ZIP, the server does not."""


def _pasta(trabalho: str) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "fechamentos" / trabalho


def _gravar(trabalho: str, estado: dict) -> None:
    destino = _pasta(trabalho) / ESTADO
    temporario = destino.with_suffix(".tmp")
    temporario.write_text(json.dumps(estado, ensure_ascii=False))
    temporario.replace(destino)


def iniciar(contabilidade_id: int | None, usuario: str, empresa_ids: list[int], mes: date) -> str:
    """Create the job's folder and queue it; returns the job id the admin's page follows."""
    trabalho = secrets.token_urlsafe(12)
    _pasta(trabalho).mkdir(parents=True)
    total = fechamento.total_de_notas(empresa_ids, mes)
    estado = {"contabilidade_id": contabilidade_id, "usuario": usuario, "competencia": f"{mes:%m/%Y}",
              "empresas": len(empresa_ids), "total": total, "feitas": 0, "arquivos": [], "pronto": False,
              "erro": None}  # fmt: skip
    _gravar(trabalho, estado)
    build_month_end(trabalho, empresa_ids, mes.isoformat())
    return trabalho


def estado(trabalho: str) -> dict | None:
    """The job's progress; None for an id that is not a job of this installation."""
    if not trabalho.replace("-", "").replace("_", "").isalnum():
        return None
    arquivo = _pasta(trabalho) / ESTADO
    return json.loads(arquivo.read_text()) if arquivo.is_file() else None


def arquivo(trabalho: str, nome: str) -> Path | None:
    """A ZIP the job wrote (only names the job itself listed)."""
    atual = estado(trabalho)
    if atual is None or nome not in [a["nome"] for a in atual["arquivos"]]:
        return None
    return _pasta(trabalho) / nome


@huey.task(retries=0)
@in_app_context
def build_month_end(trabalho: str, empresa_ids: list[int], competencia: str) -> None:
    atual = estado(trabalho)
    mes = date.fromisoformat(competencia)

    def avancar() -> None:
        atual["feitas"] += 1
        _gravar(trabalho, atual)

    try:
        for empresa_id in empresa_ids:
            pacote = fechamento.gerar(empresa_id, mes, _pasta(trabalho), progresso=avancar)
            atual["arquivos"].append({"nome": pacote.arquivo.name, "empresa": pacote.empresa, "notas": pacote.notas,
                                      "faltando": pacote.faltando})  # fmt: skip
            _gravar(trabalho, atual)
    except Exception as erro:
        atual["erro"] = "O fechamento parou no meio; tente de novo. O erro ficou registrado para o suporte."
        _gravar(trabalho, atual)
        raise erro
    atual["pronto"] = True
    _gravar(trabalho, atual)


@huey.periodic_task(crontab(minute="17", hour="4"))
@in_app_context
def prune_month_end() -> None:
    """Remove the packages built more than GUARDA_DIAS days ago."""
    raiz = Path(current_app.config["DATA_DIR"]) / "fechamentos"
    limite = time.time() - GUARDA_DIAS * 86400
    for pasta in raiz.iterdir() if raiz.is_dir() else ():
        if pasta.is_dir() and pasta.stat().st_mtime < limite:
            shutil.rmtree(pasta, ignore_errors=True)
