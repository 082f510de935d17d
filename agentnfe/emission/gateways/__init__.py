"""NFS-e gateways behind one interface, chosen by NFSE_GATEWAY (`mock` or `plugnotas`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from ...integrations.http import registrar

EXTENSION_KEY = "agentnfe.gateway"


@dataclass
class RespostaGateway:
    """A gateway's view of one note; `situacao` in the gateway vocabulary (PROCESSANDO, CONCLUIDO…)."""

    situacao: str
    gateway_id: str | None = None
    protocolo: str | None = None
    numero: str | None = None
    codigo_verificacao: str | None = None
    mensagem: str | None = None
    pdf_url: str | None = None
    xml_url: str | None = None
    bruto: Any = field(default_factory=dict)
    existente: bool = False
    """The gateway already had a note with this integration id (PlugNotas 409): adopted, never a rejection."""


@dataclass
class RespostaCancelamento:
    """Where a cancellation request stands: `processando`, `aceito` or `recusado` (with the reason)."""

    situacao: str
    protocolo: str | None = None
    mensagem: str | None = None
    bruto: Any = field(default_factory=dict)


class GatewayRecusou(Exception):
    """The gateway refused the request (HTTP 4xx); `campos` holds its field errors verbatim."""

    def __init__(self, mensagem: str, campos: dict[str, str] | None = None, bruto: Any = None, status: int = 400):
        super().__init__(mensagem)
        self.campos = campos or {}
        self.bruto = bruto
        self.credencial = status in (401, 403)
        """The gateway refused our API key, not the note: nothing was created there."""

    def detalhe(self) -> str:
        if not self.campos:
            return str(self)
        return f"{self}: " + "; ".join(f"{campo}: {erro}" for campo, erro in self.campos.items())


class GatewayIndisponivel(Exception):
    """No usable answer (timeout, dropped connection, 5xx): whether the gateway got the request is unknown."""

    nunca_chegou = False


class GatewayInacessivel(GatewayIndisponivel):
    """The connection was refused or never opened: the request surely did not reach the gateway."""

    nunca_chegou = True


class ArquivoPendente(GatewayIndisponivel):
    """The gateway is still generating the file (HTTP 202): try again later."""


class Gateway(Protocol):
    nome: str
    exige_certificado: bool
    exige_endereco: bool
    """Whether the empresa's street address must be complete before a note goes out."""

    def emitir(self, payload: list[dict]) -> RespostaGateway: ...

    def consultar(self, gateway_id: str) -> RespostaGateway | None: ...

    def consultar_por_integracao(self, id_integracao: str, cnpj: str) -> RespostaGateway | None: ...

    def cancelar(self, gateway_id: str, codigo: int, motivo: str) -> RespostaCancelamento: ...

    def consultar_cancelamento(self, protocolo: str) -> RespostaCancelamento: ...

    def pdf(self, gateway_id: str) -> bytes: ...

    def xml(self, gateway_id: str) -> bytes: ...

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str: ...

    def cadastrar_empresa(self, dados: dict, atualizar: bool) -> None: ...


def init_app(app: Flask) -> None:
    """Build the configured gateway once per process."""
    from .mock import MockGateway
    from .plugnotas import PlugNotas

    if app.config["NFSE_GATEWAY"] == "plugnotas":
        gateway = PlugNotas(app.config["PLUGNOTAS_URL"], app.config["PLUGNOTAS_API_KEY"], app.config["GATEWAY_TIMEOUT"])
    else:
        gateway = MockGateway()
    registrar(app, EXTENSION_KEY, gateway)


def gateway_atual() -> Gateway:
    return current_app.extensions[EXTENSION_KEY]
