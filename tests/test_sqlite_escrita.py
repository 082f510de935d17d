"""The embedded database's writers take turns inside the process instead of sleeping in SQLite's busy handler."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from agentnfe.infra import sqlite


@pytest.fixture
def engine(tmp_path):
    motor = sa.create_engine(f"sqlite:///{tmp_path / 'escrita.db'}", **sqlite.opcoes_do_engine())
    sqlite.configurar(motor)
    # SQLite's own waiting is switched off: a writer that reached SQLite's lock while another held it would fail
    # at once with "database is locked", so every test below passes only through the process's turns
    sa.event.listen(motor, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=0"))
    with motor.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    yield motor
    motor.dispose()


def _em_thread(alvo) -> threading.Thread:
    thread = threading.Thread(target=alvo, daemon=True)
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_to_commit(engine):
    ordem, escreveu, pode_confirmar = [], threading.Event(), threading.Event()

    def primeiro():
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
            escreveu.set()
            pode_confirmar.wait(5)
            ordem.append("primeiro confirma")
            conn.commit()

    def segundo():
        escreveu.wait(5)
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
            ordem.append("segundo escreveu")
            conn.commit()

    threads = [_em_thread(primeiro), _em_thread(segundo)]
    escreveu.wait(5)
    threading.Timer(0.2, pode_confirmar.set).start()
    for thread in threads:
        thread.join(10)
    assert ordem == ["primeiro confirma", "segundo escreveu"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2


def _segurando_a_vez(engine, segundos: float, fim: str) -> threading.Thread:
    """A thread that writes a row, keeps its transaction (and the write turn) open `segundos`, then ends it with
    `fim` ("commit" or "rollback"); returned once the row is written."""
    escreveu = threading.Event()

    def dono():
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
            escreveu.set()
            threading.Event().wait(segundos)
            getattr(conn, fim)()

    thread = _em_thread(dono)
    escreveu.wait(5)
    return thread


def test_readers_never_wait_for_the_writer(engine):
    thread = _segurando_a_vez(engine, 0.5, "commit")
    with engine.connect() as conn:
        lidas = conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
    assert thread.is_alive(), "the read had to wait for the writer's commit"
    thread.join(5)
    assert lidas == 0


def test_a_failed_write_hands_the_turn_on(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "ESPERA_S", 1)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
    erros = []

    def outro():
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
        except OperationalError as erro:
            erros.append(erro)

    _em_thread(outro).join(5)
    assert erros == []


def test_a_writer_that_never_gets_the_turn_gets_a_clear_error(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "ESPERA_S", 0.2)
    thread = _segurando_a_vez(engine, 1, "rollback")
    with pytest.raises(OperationalError, match="no write turn within"), engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
    thread.join(5)


def test_a_burst_of_writers_all_get_through(engine):
    erros = []

    def escritor(k: int):
        try:
            for j in range(40):
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"INSERT INTO t (v) VALUES ('{k}-{j}')")
        except Exception as erro:  # noqa: BLE001 - any failure is what this test looks for
            erros.append(erro)

    threads = [threading.Thread(target=escritor, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert erros == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 640
