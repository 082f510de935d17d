"""Only this installation's own names: a request whose Host header is not one of them gets 400 before the app.

A page on another name that its owner points at 127.0.0.1 (DNS rebinding) would otherwise talk to the desktop
app with the browser's loopback address: read /metrics, reach the first-run page, spend a user's login tries.
Checked in front of Flask (Flask's own TRUSTED_HOSTS leaves the request without a URL adapter, and the error
pages, which build URLs, then fail).
"""

from __future__ import annotations

from werkzeug.sansio.utils import host_is_trusted

MENSAGEM = "Endereço não reconhecido por este AgentNFe. Use o endereço que a sua contabilidade informou.\n".encode()


class HostsAceitos:
    """WSGI middleware: 400 for a Host header outside `hosts` (entries as in HOSTS_ACEITOS, config.hosts_aceitos)."""

    def __init__(self, app, hosts: list[str]):
        self.app = app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not host_is_trusted(host, self.hosts):
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(MENSAGEM)))],
            )
            return [MENSAGEM]
        return self.app(environ, start_response)
