"""One pooled httpx client per external service and process."""

from __future__ import annotations

import atexit

import httpx
from flask import Flask

USER_AGENT = "AgentNFe/1.0"


def novo_cliente(base_url: str, headers: dict[str, str] | None = None, timeout: float = 10.0) -> httpx.Client:
    """A keep-alive client bound to one service's base URL."""
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=httpx.Timeout(timeout, connect=5.0),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


def registrar(app: Flask, chave: str, cliente) -> None:
    """Keep a service client on the app (built once per process) and close it at exit."""
    app.extensions[chave] = cliente
    if hasattr(cliente, "close"):
        atexit.register(cliente.close)
