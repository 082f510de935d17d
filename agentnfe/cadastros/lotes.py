"""A CSV import of empresas as a job the admin follows (agentnfe.infra.trabalhos): the file kept at the preview,
imported once confirmed — inline for a small one, in the worker (tasks.importacao) with progress for a large one."""

from __future__ import annotations

import io

from agentnfe import auditoria
from agentnfe.cadastros import importacao
from agentnfe.infra import trabalhos
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import Contabilidade, User

ENTRADA = "entrada.csv"
LIMITE_NA_HORA = 200
"""Up to this many rows the import runs while the accountant waits; beyond, in the worker."""


def guardar(texto: str, contabilidade_id: int | None, usuario_id: int, nome: str, aviso: str | None) -> str:
    """Keep an uploaded file for its preview and confirmation; returns the job id."""
    linhas = max(0, len([linha for linha in texto.splitlines() if linha.strip()]) - 1)
    trabalho = trabalhos.criar(
        {"tipo": "importacao", "contabilidade_id": contabilidade_id, "usuario_id": usuario_id, "nome": nome,
         "aviso": aviso, "total": linhas, "feitas": 0, "iniciado": False, "pronto": False, "erro": None}
    )  # fmt: skip
    (trabalhos.pasta(trabalho) / ENTRADA).write_text(texto, encoding="utf-8")
    return trabalho


def texto(trabalho: str) -> str:
    return (trabalhos.pasta(trabalho) / ENTRADA).read_text(encoding="utf-8")


def iniciar(trabalho: str) -> bool | None:
    """Mark the import started, once: None when it already was (a second confirmation does nothing), True when
    the file is large enough for the worker, False when the caller runs it now (`executar`)."""
    atual = trabalhos.ler(trabalho)
    if atual["iniciado"]:
        return None
    atual["iniciado"] = True
    trabalhos.gravar(trabalho, atual)
    return atual["total"] > LIMITE_NA_HORA


def executar(trabalho: str) -> None:
    """Import the kept file and record it in the audit trail, in one transaction; the job's state tells the
    outcome."""
    atual = trabalhos.ler(trabalho)

    def avancar() -> None:
        atual["feitas"] += 1
        if atual["feitas"] % 25 == 0:
            trabalhos.gravar(trabalho, atual)

    with transacao():
        somente = db.session.get(Contabilidade, atual["contabilidade_id"]) if atual["contabilidade_id"] else None
        usuario = db.session.get(User, atual["usuario_id"])
        resultado = importacao.importar_empresas(io.StringIO(texto(trabalho)), db.session, somente, progresso=avancar)
        descricao = resultado.descricao(atual["nome"])
        auditoria.registrar(db.session, "importar", "importacao", None, descricao, usuario=usuario)
    atual.update(
        pronto=True, feitas=atual["total"], criadas=resultado.criadas, atualizadas=resultado.atualizadas,
        contabilidades_criadas=resultado.contabilidades_criadas, erros=resultado.erros,
    )  # fmt: skip
    trabalhos.gravar(trabalho, atual)
