"""A conversation turn run in the request (`/send/`, the admin chat simulator): nothing goes to WhatsApp."""

from __future__ import annotations

from ..integrations.entrada import Entrada
from ..models import Provider, TipoMensagem
from .engine import Resultado, processar_telefone
from .entrada import guardar

LLM_TIMEOUT = 10.0


def conversar(telefone: str, texto: str, usuario_id: int | None = None) -> Resultado:
    """Store the message and answer it (LLM capped at 10 s): on the `api` channel, in the phone's conversation,
    or — with `usuario_id` — in that admin user's own simulator conversation, which sees only the user's firm."""
    provider = Provider.API if usuario_id is None else Provider.SIMULADOR
    guardar(Entrada(provider, "", None, telefone, TipoMensagem.TEXTO, texto, usuario_id))  # cleaned and cut there
    return processar_telefone(telefone, llm_timeout=LLM_TIMEOUT, usuario_id=usuario_id)
