"""List pages and the dashboard run a constant number of SQL statements at 1× and 3× the demo data (every list
already holds more rows than a page at 1×, so 3× is enough to see any statement per row)."""

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.seed import seed_demo

from .sql import contagens

PAGINAS = (
    "/admin/", "/admin/empresas/", "/admin/telefones/", "/admin/certificados/", "/admin/tomadores/", "/admin/tomadores_empresa/",
    "/admin/notas/", "/admin/notas/?flt0_0=erro", "/admin/notas_paradas/", "/admin/sessoes/", "/admin/usuarios/",
    "/admin/notas/?search=Cliente", "/admin/simulador/", "/admin/nao_entregues/",
)  # fmt: skip


def test_statement_counts_do_not_grow_with_the_data(app, client, auth):
    from agentnfe.contas import criar_usuario
    from agentnfe.models import Papel

    seed_demo(db.session, 1, "senha-demo-1")
    criar_usuario(db.session, "suporte@op.com", Papel.SUPORTE, "senha-demo-1")
    db.session.commit()
    auth.login("admin@firma1.demo", "senha-demo-1")
    uma_vez = contagens(client, PAGINAS)
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("suporte@op.com", "senha-demo-1")
    do_suporte = [p for p in PAGINAS if p != "/admin/usuarios/"]  # support never sees users
    suporte_uma_vez = contagens(client, do_suporte)

    seed_demo(db.session, 2, "senha-demo-1")
    assert db.session.scalar(sa.text("SELECT count(*) FROM nfse")) == 3_000
    tres_vezes_suporte = contagens(client, do_suporte)
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("admin@firma1.demo", "senha-demo-1")
    tres_vezes = contagens(client, PAGINAS)
    print("\nstatements per page (admin, 1× → 3×):", {p: (uma_vez[p], tres_vezes[p]) for p in PAGINAS})
    assert tres_vezes == uma_vez
    assert tres_vezes_suporte == suporte_uma_vez
    assert max(uma_vez.values()) <= 6
    assert uma_vez["/admin/"] <= 3 + 1  # three for the numbers, one for the logged-in user
