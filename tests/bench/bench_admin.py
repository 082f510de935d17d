"""Warm latency of the dashboard and list pages on demo data: `python tests/bench/bench_admin.py --scale 100`.

Uses DATABASE_URL/REDIS_URL like the app (embedded SQLite by default, in a temporary data dir unless
AGENTNFE_DATA_DIR is set). Seeds `--scale` demo firms when the database has none, then times requests made
through the WSGI app (no network), as the admin of Firma 1 and as support (every firm).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PAGINAS = (
    "/admin/", "/admin/empresas/", "/admin/telefones/", "/admin/certificados/", "/admin/tomadores/",
    "/admin/notas/", "/admin/notas/?flt0_0=erro", "/admin/notas/?search=Cliente", "/admin/notas_paradas/",
    "/admin/sessoes/", "/admin/simulador/",
)  # fmt: skip
SENHA = "senha-bench-1"


def p95(amostras: list[float]) -> float:
    return statistics.quantiles(amostras, n=20)[18] if len(amostras) >= 20 else max(amostras)


def entrar(client, email: str, senha: str) -> None:
    from tests.conftest import csrf_de

    token = csrf_de(client.get("/login").get_data(as_text=True))
    resposta = client.post("/login", data={"email": email, "password": senha, "csrf_token": token})
    assert resposta.status_code == 302, f"login of {email} failed"


def medir(app, email: str, senha: str, vezes: int) -> dict[str, tuple[float, float]]:
    from agentnfe.extensions import cache

    client = app.test_client()
    entrar(client, email, senha)
    resultado = {}
    for pagina in PAGINAS:
        client.get(pagina)  # warm: templates compiled, caches filled
        tempos = []
        for _ in range(vezes):
            inicio = time.perf_counter()
            resposta = client.get(pagina)
            tempos.append((time.perf_counter() - inicio) * 1000)
            assert resposta.status_code == 200, (pagina, resposta.status_code)
        resultado[pagina] = (statistics.median(tempos), p95(tempos))
    tempos = []
    for _ in range(vezes):
        with app.app_context():
            cache.clear()
        inicio = time.perf_counter()
        client.get("/admin/")
        tempos.append((time.perf_counter() - inicio) * 1000)
    resultado["/admin/ (cache cleared)"] = (statistics.median(tempos), p95(tempos))
    return resultado


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--password", default=SENHA, help="Password of the demo admins (of an already seeded database)."
    )
    args = parser.parse_args()
    os.environ.setdefault("AGENTNFE_DATA_DIR", tempfile.mkdtemp(prefix="agentnfe-bench-"))

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from agentnfe import create_app
    from agentnfe.contas import criar_usuario
    from agentnfe.extensions import db
    from agentnfe.models import Contabilidade, Papel, User
    from agentnfe.seed import seed_demo

    app = create_app({"DASHBOARD_CACHE_SECONDS": 60})
    with app.app_context():
        upgrade()
        if db.session.scalar(sa.select(sa.func.count(Contabilidade.id))) == 0:
            inicio = time.perf_counter()
            seed_demo(db.session, args.scale, args.password)
            print(f"seeded {args.scale} firms in {time.perf_counter() - inicio:.0f} s")
        if db.session.scalar(sa.select(User.id).where(User.email == "suporte@bench.demo")) is None:
            criar_usuario(db.session, "suporte@bench.demo", Papel.SUPORTE, args.password)
            db.session.commit()
        notas = db.session.scalar(sa.text("SELECT count(*) FROM nfse"))
        mensagens = db.session.scalar(sa.text("SELECT count(*) FROM mensagem"))
        banco = db.engine.dialect.name
    print(f"{banco}: {notas} notes, {mensagens} messages; {args.requests} warm requests per page")
    for quem in ("admin@firma1.demo", "suporte@bench.demo"):
        print(f"\n{quem:<24} {'median ms':>10} {'p95 ms':>8}")
        for pagina, (mediana, pior) in medir(app, quem, args.password, args.requests).items():
            print(f"{pagina:<32} {mediana:>10.1f} {pior:>8.1f}")


if __name__ == "__main__":
    main()
