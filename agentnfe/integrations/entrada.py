"""An inbound message as any channel delivers it: what a webhook parser produces and the engine stores."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Provider, TipoMensagem


@dataclass(frozen=True)
class Entrada:
    """An inbound message as any provider delivers it."""

    provider: Provider
    instance: str
    provider_id: str | None
    telefone: str
    tipo: TipoMensagem
    texto: str | None
    usuario_id: int | None = None
    """The admin user, for a message typed in the simulator (its own sessions, its firm's empresas only)."""
