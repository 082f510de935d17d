"""NFS-e gateways behind one interface, chosen by NFSE_GATEWAY (`mock` or `plugnotas`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from ...integrations.http import registrar
from ...integrations.valores import texto
from ...models import NFSe

EXTENSION_KEY = "agentnfe.gateway"


@dataclass
class RespostaGateway:
    """A gateway's view of one note; `situacao` in the gateway vocabulary (PROCESSANDO, CONCLUIDO…).

    Built from whatever the gateway answered: identifiers must be text (or numbers) that fit their columns, or
    the answer is unreadable (RespostaIlegivel: the outcome stays unknown); messages and links are cut or dropped.
    """

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

    def __post_init__(self):
        situacao = texto(self.situacao)
        self.situacao = situacao.upper()[:30] if situacao else "PROCESSANDO"
        for campo in ("gateway_id", "protocolo", "numero", "codigo_verificacao"):
            bruto = getattr(self, campo)
            valor = texto(bruto)
            if (valor is None and bruto not in (None, "")) or (valor is not None and len(valor) > _LARGURAS[campo]):
                raise RespostaIlegivel(f"the gateway answered a {campo} this client cannot keep: {str(bruto)[:60]}")
            setattr(self, campo, valor)
        for campo in ("pdf_url", "xml_url"):
            valor = texto(getattr(self, campo))
            setattr(self, campo, valor if valor and len(valor) <= _LARGURAS[campo] else None)
        mensagem = texto(self.mensagem)
        self.mensagem = mensagem[:MENSAGEM_MAXIMA] if mensagem else None
        self.bruto = guardavel(self.bruto)


MENSAGEM_MAXIMA = 2000
BRUTO_MAXIMO = 65_536
_LARGURAS = {coluna.name: getattr(coluna.type, "length", None) for coluna in NFSe.__table__.columns}


def guardavel(bruto: Any) -> Any:
    """A gateway's answer as kept on the note: JSON-safe and at most BRUTO_MAXIMO characters (else a summary)."""
    try:
        texto = json.dumps(bruto, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        texto = repr(bruto)
        bruto = None
    if len(texto) <= BRUTO_MAXIMO and bruto is not None:
        return bruto
    return {"resumo": texto[:2000], "tamanho": len(texto)}


@dataclass
class RespostaCancelamento:
    """Where a cancellation request stands: `processando`, `aceito` or `recusado` (with the reason)."""

    situacao: str
    protocolo: str | None = None
    mensagem: str | None = None
    bruto: Any = field(default_factory=dict)

    def __post_init__(self):
        protocolo = texto(self.protocolo)
        if protocolo is not None and len(protocolo) > _LARGURAS["cancelamento_protocolo"]:
            raise RespostaIlegivel(f"the gateway answered a cancellation protocol of {len(protocolo)} characters")
        self.protocolo = protocolo
        mensagem = texto(self.mensagem)
        self.mensagem = mensagem[:MENSAGEM_MAXIMA] if mensagem else None
        self.bruto = guardavel(self.bruto)


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


class RespostaIlegivel(GatewayIndisponivel):
    """The gateway answered, but not something this client can read: whether it has the note is unknown."""


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
