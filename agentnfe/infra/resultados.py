"""The outcome of the last real call to each paid service (LLM, NFS-e gateway), for /healthz without probes."""

from __future__ import annotations

import logging

from agentnfe.infra.extensions import cache

log = logging.getLogger(__name__)
OK, ERRO = "ok", "error"
VALIDADE = 24 * 3600


def anotar(servico: str, ok: bool) -> None:
    """Remember how the last call to `servico` went (informative only: a cache outage is ignored)."""
    try:
        cache.set(f"{servico}:ultimo_resultado", OK if ok else ERRO, timeout=VALIDADE)
    except Exception:
        log.debug("could not record the outcome of %s", servico, exc_info=True)


def ultimo(servico: str) -> str:
    """`ok` or `error` for the last call to `servico` (ok when unknown)."""
    try:
        return cache.get(f"{servico}:ultimo_resultado") or OK
    except Exception:
        return OK
