"""One pooled httpx client per external service and process, each refusing to send while a database
transaction is open (agentnfe.infra.transacao)."""

from __future__ import annotations

import atexit
import time

import httpx
from flask import Flask

from agentnfe.infra import metricas
from agentnfe.infra.transacao import exigir_sem_transacao

USER_AGENT = "AgentNFe/1.0"


class TransporteVigiado(httpx.HTTPTransport):
    """httpx's pooled transport that refuses to send while this app context's session has a transaction open."""

    def __init__(self, servico: str, **kwargs):
        super().__init__(**kwargs)
        self.servico = servico

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exigir_sem_transacao(self.servico)
        return super().handle_request(request)


class TransporteMedido(TransporteVigiado):
    """The guarded transport, timing every call to one service (agentnfe_external_request_duration_seconds)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inicio = time.perf_counter()
        try:
            resposta = super().handle_request(request)
        except httpx.TimeoutException:
            metricas.externo(self.servico, "timeout", time.perf_counter() - inicio)
            raise
        except httpx.TransportError:
            metricas.externo(self.servico, "error", time.perf_counter() - inicio)
            raise
        metricas.externo(self.servico, f"{resposta.status_code // 100}xx", time.perf_counter() - inicio)
        return resposta


def novo_cliente(
    servico: str, base_url: str, headers: dict[str, str] | None = None, timeout: float = 10.0, verify=True
) -> httpx.Client:
    """A keep-alive client bound to one service's base URL, its calls timed under `servico`; `verify` may be an
    ssl.SSLContext (mutual TLS)."""
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=httpx.Timeout(timeout, connect=5.0),
        transport=TransporteMedido(
            servico, verify=verify, limits=httpx.Limits(max_connections=20, max_keepalive_connections=10)
        ),
    )


def guardar_cliente(app: Flask, chave: str, cliente) -> None:
    """Keep a service client on the app (built once per process) and close it at exit."""
    app.extensions[chave] = cliente
    if hasattr(cliente, "close"):
        atexit.register(cliente.close)
