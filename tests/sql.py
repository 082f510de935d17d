"""Counting the SQL statements a unit of work sends (the suite's budgets and the benchmark's)."""

import re
from contextlib import contextmanager

import sqlalchemy as sa

from agentnfe.infra.extensions import db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def statements():
    """Record every SQL statement the app's engine sends while the block runs."""
    recorded: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def writes(recorded):
    return [WRITE.match(s).group(1).upper() for s in recorded if WRITE.match(s)]


def contagens(client, paginas) -> dict[str, int]:
    """Statements each page runs on its own: caches cleared, nothing from the identity map, the user loaded again."""
    from flask import g

    from agentnfe.infra.extensions import cache

    resultado = {}
    for pagina in paginas:
        cache.clear()
        db.session.expunge_all()  # nothing served from the identity map: every lazy load would show as SQL
        g.pop("_login_user", None)  # and the user is loaded again, as in a request of its own
        with statements() as feitas:
            resposta = client.get(pagina)
        assert resposta.status_code == 200, (pagina, resposta.status_code)
        resultado[pagina] = len(feitas)
    return resultado
