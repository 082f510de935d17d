"""NFS-e gateways behind one interface, chosen by NFSE_GATEWAY."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RespostaGateway:
    """A gateway's answer about one note; `situacao` uses the gateway vocabulary (CONCLUIDO, REJEITADO…)."""

    situacao: str
    gateway_id: str | None = None
    numero: str | None = None
    codigo_verificacao: str | None = None
    mensagem: str | None = None
    bruto: dict[str, Any] = field(default_factory=dict)


def gateway_atual():
    from flask import current_app

    from .mock import MockGateway

    nome = current_app.config["NFSE_GATEWAY"]
    if nome == "mock":
        return MockGateway()
    raise NotImplementedError(f"gateway {nome} is not available in this build")
