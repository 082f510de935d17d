"""Transactions are owned by entry points: a request handler, a task or a command runs each of its phases in
`with transacao():`, the one place that commits (at the block's end) or rolls back (when it raises). The
operations it calls only add and flush.

No external call happens while a transaction is open: `sem_transacao()` ends the read transaction that reading
opened (SQLAlchemy begins one at the first query) before a phase that calls out, and the HTTP client layer
(agentnfe.integrations.http) refuses to send while one is open (`exigir_sem_transacao`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_app_context

from .extensions import db

_aberta: ContextVar[bool] = ContextVar("transacao_aberta", default=False)


class TransacaoAberta(RuntimeError):
    """An external call was about to leave with a database transaction open: a row lock or SQLite's write lock
    would be held for as long as the other side takes to answer."""


class TransacaoAninhada(RuntimeError):
    """`transacao()` inside another: only the entry point opens the transaction."""


class EscritaPendente(RuntimeError):
    """`sem_transacao()` with unsaved changes in the session: they belong in a `transacao()` block."""


@contextmanager
def transacao() -> Iterator[None]:
    """Run the block as one transaction: commit when it ends, roll back when it raises (and re-raise)."""
    if _aberta.get():
        raise TransacaoAninhada("transacao() inside transacao(): only the entry point opens the transaction")
    marca = _aberta.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _aberta.reset(marca)


def sem_transacao() -> None:
    """End the transaction that reads opened, before a phase that calls out; unsaved changes are a bug."""
    sessao = db.session()
    if sessao.new or sessao.deleted or any(sessao.is_modified(o) for o in sessao.dirty):
        raise EscritaPendente("unsaved changes before an external call: write them in a transacao() block")
    sessao.rollback()


def transacao_aberta() -> bool:
    """Whether this app context's database session holds a transaction (reads open one too)."""
    return has_app_context() and db.session.registry.has() and db.session().in_transaction()


def exigir_sem_transacao(destino: str) -> None:
    """Refuse an external call to `destino` while a transaction is open on this app context's session."""
    if transacao_aberta():
        raise TransacaoAberta(f"call to {destino} with a database transaction open: end it before calling out")
