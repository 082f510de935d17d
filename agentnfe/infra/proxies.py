"""The client's address behind a reverse proxy, trusted only from the proxies named in TRUSTED_PROXIES.

Behind Caddy every request comes from 127.0.0.1; rate limits must key on the real client, but a client can
write any X-Forwarded-For it likes, so the header is read only when the request comes from a trusted proxy,
and the client is the right-most address the proxies did not add themselves.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Rede = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(texto: str | None) -> tuple[Rede, ...]:
    """`127.0.0.1, 10.0.0.0/8` → networks; raises ValueError naming the bad entry."""
    redes = []
    for parte in (texto or "").split(","):
        if parte.strip():
            try:
                redes.append(ipaddress.ip_network(parte.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES has an entry that is not an address or network: {parte.strip()!r}"
                ) from None
    return tuple(redes)


def _confiavel(endereco: str, redes: Iterable[Rede]) -> bool:
    try:
        ip = ipaddress.ip_address(endereco.strip())
    except ValueError:
        return False
    return any(ip in rede for rede in redes)


class ProxiesConfiaveis:
    """WSGI middleware: REMOTE_ADDR and the scheme from X-Forwarded-For/-Proto, for trusted proxies only."""

    def __init__(self, app, redes: tuple[Rede, ...]):
        self.app = app
        self.redes = redes

    def __call__(self, environ, start_response):
        if _confiavel(environ.get("REMOTE_ADDR", ""), self.redes):
            cadeia = [p.strip() for p in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
            cliente = next((p for p in reversed(cadeia) if not _confiavel(p, self.redes)), None)
            if cliente is not None:
                environ["REMOTE_ADDR"] = cliente
            esquema = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if esquema in ("http", "https"):
                environ["wsgi.url_scheme"] = esquema
        return self.app(environ, start_response)
