"""Warm latency of the dashboard and list pages, through the WSGI app (no network), as one firm's admin or as
support (every firm)."""

from __future__ import annotations

import statistics
import time

from medidas import percentil

PAGINAS = (
    "/admin/", "/admin/empresas/", "/admin/telefones/", "/admin/certificados/", "/admin/tomadores/",
    "/admin/notas/", "/admin/notas/?flt0_0=erro", "/admin/notas/?search=Cliente", "/admin/notas_paradas/",
    "/admin/sessoes/", "/admin/simulador/", "/admin/tomadores_empresa/", "/admin/usuarios/", "/admin/nao_entregues/",
)  # fmt: skip
"""The back-office's lists and dashboard, as in tests/test_admin_desempenho.py."""


def entrar(client, email: str, senha: str) -> None:
    """Log `client` in. The app context may be shared by every request (a test's, or the benchmark's): what an
    earlier request of another client left in `g` — its user, its CSRF token — is forgotten first."""
    from flask import g

    from tests.conftest import csrf_de

    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    token = csrf_de(client.get("/login").get_data(as_text=True))
    resposta = client.post("/login", data={"email": email, "password": senha, "csrf_token": token})
    assert resposta.status_code == 302, f"login of {email} failed"


def medir(app, email: str, senha: str, vezes: int, paginas=PAGINAS) -> dict[str, tuple[float, float]]:
    """Median and p95 (ms) of each page, warm, then of the dashboard with the cache cleared each time."""
    from agentnfe.infra.extensions import cache

    client = app.test_client()
    entrar(client, email, senha)
    resultado = {}
    for pagina in paginas:
        client.get(pagina)  # warm: templates compiled, caches filled
        tempos = []
        for _ in range(vezes):
            inicio = time.perf_counter()
            resposta = client.get(pagina)
            tempos.append((time.perf_counter() - inicio) * 1000)
            assert resposta.status_code == 200, (pagina, resposta.status_code)
        resultado[pagina] = (statistics.median(tempos), percentil(tempos, 95))
    tempos = []
    for _ in range(vezes):
        with app.app_context():
            cache.clear()
        inicio = time.perf_counter()
        client.get("/admin/")
        tempos.append((time.perf_counter() - inicio) * 1000)
    resultado["/admin/ (cache cleared)"] = (statistics.median(tempos), percentil(tempos, 95))
    return resultado
