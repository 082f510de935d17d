"""Who writes each table: every INSERT, UPDATE and DELETE the suite causes is traced to the module of the product
that asked for it, and compared with ESCRITORES (docs/arquitetura.md, "Um escritor por tabela").

The writer of a change is the innermost frame of the product's code (agentnfe, admin, bot, tasks) outside the
models package, found when the change is made — a new model object, an attribute set, `session.delete`, or an
UPDATE/INSERT/DELETE statement — not when the session flushes it. WTForms is looked through (a form that an
operation fills is written by the operation); a model Flask-Admin's own code saves is written by `flask_admin`,
which is never a writer. Changes made by the tests' own
set-up (no product frame before the test's) and by schema migrations are not counted."""

from __future__ import annotations

import re
import sys
import threading
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

PACOTES = ("agentnfe.", "admin.", "bot.", "tasks.")
IGNORADOS = ("agentnfe.models", "agentnfe.infra.extensions")
FORMULARIOS = (
    "wtforms", "flask_admin.form", "flask_admin.model.fields", "flask_admin.model.form",
    "flask_admin.contrib.sqla.fields", "flask_admin.contrib.sqla.form",
)  # fmt: skip
"""Forms and their fields (inline lists included) are looked through: a form an operation fills is written by
the operation."""
PAINEL = "flask_admin"
"""Where the walk stops: a model saved by Flask-Admin's own code is written by `flask_admin`."""

vistos: dict[str, dict[str, str]] = defaultdict(dict)
"""table → {writer module → an example of what it did}."""

_local = threading.local()


def escritor_da_pilha(profundidade: int = 2) -> str | None:
    """The product module that caused the change being made now, `flask_admin` for a bare admin form, or None
    when the tests' own set-up did it."""
    quadro = sys._getframe(profundidade)
    while quadro is not None:
        modulo = quadro.f_globals.get("__name__", "")
        if modulo.startswith(PACOTES) or modulo in ("bot", "tasks", "admin"):
            if not modulo.startswith(IGNORADOS):
                return modulo
        elif modulo.startswith(PAINEL) and not modulo.startswith(FORMULARIOS):
            return PAINEL
        elif modulo.startswith("alembic"):
            return None  # a schema migration
        elif modulo.startswith("tests.") or modulo == "tests":
            return None
        quadro = quadro.f_back
    return None


def _anotar(tabela: str, o_que: str) -> None:
    if getattr(_local, "desligado", False):
        return
    escritor = escritor_da_pilha(3)
    if escritor is not None:
        vistos[tabela].setdefault(escritor, o_que)


def instalar(base) -> None:
    """Trace every mapped class of `base`, and statements sent outside a flush."""
    for mapper in base.registry.mappers:
        tabela = mapper.local_table.name

        def ao_criar(alvo, args, kwargs, tabela=tabela):
            _anotar(tabela, "new object")

        event.listen(mapper.class_, "init", ao_criar)
        for atributo in mapper.attrs:

            def ao_mudar(alvo, valor, antigo, iniciador, tabela=tabela, nome=atributo.key):
                if alvo._sa_instance_state.persistent:
                    _anotar(tabela, f"set {nome}")

            if hasattr(atributo, "columns") or atributo.__class__.__name__ == "RelationshipProperty":
                if not getattr(atributo, "uselist", False):
                    event.listen(getattr(mapper.class_, atributo.key), "set", ao_mudar)

    @event.listens_for(Session, "before_flush")
    def _antes(session, contexto, instancias):
        _local.desligado = True

    @event.listens_for(Session, "after_flush_postexec")
    def _depois(session, contexto):
        _local.desligado = False

    original = Session.delete

    def apagar(self, instancia):
        _anotar(sa.inspect(instancia).mapper.local_table.name, "session.delete")
        return original(self, instancia)

    Session.delete = apagar

    @event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def _sql(conexao, cursor, sql, parametros, contexto, varios):
        if getattr(_local, "desligado", False):
            return
        casado = _DML.match(sql)
        if casado:
            tabela = next(g for g in casado.groups() if g)
            _anotar(tabela.strip('"'), casado.group(0).split()[0].upper())


_DML = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\"?\w+\"?)|UPDATE\s+(\"?\w+\"?)|DELETE\s+FROM\s+(\"?\w+\"?))", re.I
)
