"""Background jobs the admin follows (month-end packages, large CSV imports): a folder per job in the data dir
with its files and its progress (estado.json), written by the worker and read by the web process."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from flask import current_app

ESTADO = "estado.json"
GUARDA_DIAS = 7
"""A job's files stay a week; the accountant keeps what was downloaded, the server does not."""


def raiz() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "trabalhos"


def pasta(trabalho: str) -> Path:
    return raiz() / trabalho


def criar(estado: dict) -> str:
    """A new job's folder with its first state; returns the job id (unguessable, used in URLs)."""
    trabalho = secrets.token_urlsafe(12)
    pasta(trabalho).mkdir(parents=True)
    gravar(trabalho, estado)
    return trabalho


def gravar(trabalho: str, estado: dict) -> None:
    destino = pasta(trabalho) / ESTADO
    temporario = destino.with_suffix(".tmp")
    temporario.write_text(json.dumps(estado, ensure_ascii=False))
    temporario.replace(destino)


def ler(trabalho: str) -> dict | None:
    """The job's state; None for an id that is not a job of this installation."""
    if not trabalho.replace("-", "").replace("_", "").isalnum():
        return None
    arquivo = pasta(trabalho) / ESTADO
    return json.loads(arquivo.read_text()) if arquivo.is_file() else None


def arquivo(trabalho: str, nome: str) -> Path | None:
    """A file the job wrote and listed for download (no other name is served)."""
    atual = ler(trabalho)
    if atual is None or nome not in [a["nome"] for a in atual.get("arquivos", [])]:
        return None
    return pasta(trabalho) / nome


def podar(limite: float) -> None:
    """Remove the jobs whose folder was last touched before `limite` (seconds since the epoch)."""
    for antiga in raiz().iterdir() if raiz().is_dir() else ():
        if antiga.is_dir() and antiga.stat().st_mtime < limite:
            shutil.rmtree(antiga, ignore_errors=True)
