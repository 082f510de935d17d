"""Only this installation's own names: a request whose Host header is not one of them gets 400 before the app.

A page on another name that its owner points at 127.0.0.1 (DNS rebinding) would otherwise talk to the desktop
app with the browser's loopback address: read /metrics, reach the first-run page, spend a user's login tries.
Checked in front of Flask (Flask's own TRUSTED_HOSTS leaves the request without a URL adapter, and the error
pages, which build URLs, then fail).
"""

from __future__ import annotations

import logging

from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger(__name__)
MENSAGEM = "Endereço não reconhecido por este AgentNFe. Use o endereço que a sua contabilidade informou.\n".encode()
AVISADOS_NO_MAXIMO = 100
"""Distinct refused hosts named in the log (once each): enough to spot a webhook sent to another name."""


class HostsAceitos:
    """WSGI middleware: 400 for a Host header outside `hosts` (entries as in HOSTS_ACEITOS, config.hosts_aceitos)."""

    def __init__(self, app, hosts: list[str]):
        self.app = app
        self.hosts = hosts
        self.avisados: set[str] = set()

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not host_is_trusted(host, self.hosts):
            if host not in self.avisados and len(self.avisados) < AVISADOS_NO_MAXIMO:
                self.avisados.add(host)
                log.warning(
                    "request to host %r refused (400): add it to ALLOWED_HOSTS if it is this installation's name",
                    host[:100],
                )
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(MENSAGEM)))],
            )
            return [MENSAGEM]
        return self.app(environ, start_response)
