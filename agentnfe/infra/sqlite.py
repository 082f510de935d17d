"""The embedded database's connection settings, and one writer at a time inside the process.

SQLite lets one transaction write at a time. When two threads of a process collide, the loser waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries — under a burst of webhooks
the threads end up sleeping more than working. So the first write of a transaction first takes a lock of the
process (handed over as soon as the holder commits or rolls back) and SQLite's own lock is then almost
always free; the busy timeout remains for other processes (a separate `worker`, a CLI command).
"""

from __future__ import annotations

import re
import sqlite3
import threading

import sqlalchemy as sa

ESPERA_S = 10
"""How long a writer waits for the process's lock, and SQLite's busy timeout for other processes."""

_ESCRITA = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_TRAVAS: dict[str, threading.Lock] = {}
_CRIANDO = threading.Lock()


def opcoes_do_engine() -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS for a SQLite database: connections of the class below, and no waiting for one —
    a connection to a local file costs a file handle, and SQLAlchemy's default pool (5, plus 10 more) left a
    worker's threads queueing for connections."""
    return {"connect_args": {"factory": Conexao, "timeout": ESPERA_S}, "pool_size": 16, "max_overflow": -1}


def configurar(engine: sa.Engine) -> None:
    """Pragmas on every new connection, and the writer lock taken before a transaction's first write."""
    sa.event.listen(engine, "connect", _pragmas)
    sa.event.listen(engine, "before_cursor_execute", _antes)


class Conexao(sqlite3.Connection):
    """A sqlite3 connection that holds its database's writer lock of the process from its transaction's first
    write until the commit or rollback has finished."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        with _CRIANDO:
            self.trava = _TRAVAS.setdefault(str(database), threading.Lock())
        self.escrevendo = False

    def tomar_a_vez(self) -> None:
        if self.escrevendo:
            return
        if not self.trava.acquire(timeout=ESPERA_S):
            raise sqlite3.OperationalError(f"database is locked: no write turn within {ESPERA_S} s")
        self.escrevendo = True

    def _passar_a_vez(self) -> None:
        if self.escrevendo:
            self.escrevendo = False
            self.trava.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._passar_a_vez()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._passar_a_vez()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._passar_a_vez()


def _pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer (the busy timeout, for other processes' writers, is the
    connection's `timeout`)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _antes(conn, cursor, statement: str, *_args) -> None:
    conexao = cursor.connection
    if isinstance(conexao, Conexao) and _ESCRITA.match(statement):
        conexao.tomar_a_vez()
