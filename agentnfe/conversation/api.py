"""A conversation turn run in the request (`/send/`, the admin chat simulator): nothing goes to WhatsApp."""

from __future__ import annotations

from ..models import Provider, TipoMensagem
from .engine import Resultado, processar_telefone
from .entrada import Entrada, registrar

LIMITE_TEXTO = 4000
LLM_TIMEOUT = 10.0


def conversar(telefone: str, texto: str) -> Resultado:
    """Store the message on the `api` channel and answer it (LLM capped at 10 s)."""
    registrar(Entrada(Provider.API, "", None, telefone, TipoMensagem.TEXTO, texto[:LIMITE_TEXTO]))
    return processar_telefone(telefone, llm_timeout=LLM_TIMEOUT)
