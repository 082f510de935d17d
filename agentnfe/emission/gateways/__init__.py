"""NFS-e gateways behind one interface, chosen per empresa (Empresa.gateway, else NFSE_GATEWAY): `mock`,
`plugnotas` or `nacional`. A note keeps the gateway it first went to (NFSe.gateway)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from ...integrations.http import guardar_cliente
from ...models import Empresa, NFSe, NomeGateway
from .base import (  # noqa: F401  (the interface callers import from here)
    BRUTO_MAXIMO,
    MENSAGEM_MAXIMA,
    ArquivoPendente,
    DocumentoPlugNotas,
    Gateway,
    GatewayInacessivel,
    GatewayIndisponivel,
    GatewayRecusou,
    RespostaCancelamento,
    RespostaGateway,
    RespostaIlegivel,
    corpo_json,
    guardavel,
    pedir,
)
from .nacional import ClientesNacionais

EXTENSION_KEY = "agentnfe.gateway"


@dataclass
class Gateways:
    """The process's gateways: one client each, the national one bound per call to the empresa's certificate."""

    padrao: NomeGateway
    mock: Gateway
    plugnotas: Gateway
    nacional: ClientesNacionais

    def de(self, nome: NomeGateway | None, empresa_id: int) -> Gateway:
        nome = nome or self.padrao
        if nome is NomeGateway.NACIONAL:
            return self.nacional.da_empresa(empresa_id)
        return self.plugnotas if nome is NomeGateway.PLUGNOTAS else self.mock

    def close(self) -> None:
        self.plugnotas.close()
        self.nacional.close()


def init_app(app: Flask) -> None:
    """Build the gateways once per process."""
    from .mock import MockGateway
    from .nacional import ClientesNacionais
    from .plugnotas import PlugNotas

    config = app.config
    gateways = Gateways(
        padrao=NomeGateway(config["NFSE_GATEWAY"]),
        mock=MockGateway(),
        plugnotas=PlugNotas(config["PLUGNOTAS_URL"], config["PLUGNOTAS_API_KEY"], config["GATEWAY_TIMEOUT"]),
        nacional=ClientesNacionais(config, config["GATEWAY_TIMEOUT"]),
    )
    guardar_cliente(app, EXTENSION_KEY, gateways)


def _gateways() -> Gateways:
    return current_app.extensions[EXTENSION_KEY]


def gateway_nacional(empresa_id: int) -> Gateway:
    """The national gateway bound to the empresa's certificate, whatever gateway the empresa uses today."""
    return _gateways().nacional.da_empresa(empresa_id)


def gateway_da_empresa(empresa: Empresa) -> Gateway:
    """The gateway new notes of this empresa go to."""
    return _gateways().de(empresa.gateway, empresa.id)


def nome_do_gateway(nota: NFSe) -> NomeGateway:
    """Which gateway the note went to (or, before its first send, the empresa's, else NFSE_GATEWAY), without
    building its client."""
    return nota.gateway or nota.empresa.gateway or _gateways().padrao


def gateway_da_nota(nota: NFSe) -> Gateway:
    """The gateway the note went to (or, before its first send, the empresa's)."""
    return _gateways().de(nome_do_gateway(nota), nota.empresa_id)
