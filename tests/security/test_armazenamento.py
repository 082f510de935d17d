"""Storage faults and file permissions: a private data dir, a full disk answered with 503 (never 500) and seen by
/healthz, and an unusable data dir refused by `serve` in one line."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agentnfe.app import create_app
from agentnfe.emission import links
from agentnfe.infra.extensions import db

from ..conftest import API_TOKEN, NO_EXTERNAL_SERVICES, csrf_de, falta_no_ambiente

SENHA = "senha-forte-123"
ROOT_DIR = Path(__file__).resolve().parent.parent.parent


def modos(pasta: Path) -> dict[str, int]:
    return {str(p.relative_to(pasta)): stat.S_IMODE(p.stat().st_mode) for p in [pasta, *pasta.rglob("*")]}


def test_the_data_dir_and_every_file_in_it_are_private(make_app, clean_env):
    os.umask(0o022)  # what a login shell usually leaves
    clean_env.mkdir(parents=True, exist_ok=True)
    (clean_env / "antigo.txt").write_text("de uma versão anterior")
    os.chmod(clean_env, 0o755)
    app = make_app(  # every kind of file the data dir can hold, whatever the mode: embedded queue and cache
        HUEY_IMMEDIATE=False, REDIS_URL=None, CACHE_TYPE="FileSystemCache", CACHE_DIR=str(clean_env / "cache")
    )
    with app.app_context():
        from agentnfe.infra.extensions import cache
        from tasks.entrega import send_reply

        send_reply(1)  # enqueued in the embedded queue (queue.db)
        cache.set("chave", "valor")
        links.guardar_pdf("agentnfe-teste", b"%PDF-1.4")
        db.session.execute(db.text("CREATE TABLE IF NOT EXISTS t (x int)"))
        db.session.commit()
    encontrados = modos(clean_env)
    assert "pdfs/agentnfe-teste.pdf" in encontrados and "queue.db" in encontrados and "cache" in encontrados
    abertos = {nome: oct(modo) for nome, modo in encontrados.items() if modo & 0o077}
    assert abertos == {}, abertos
    assert encontrados["."] == 0o700 and encontrados["antigo.txt"] == 0o600


def servir(data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["AGENTNFE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "agentnfe", "serve", "--port", "0"],
        cwd=ROOT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def montar(tmp_path):
    """Mount a tmpfs (read-only or of a given size) under tmp_path; unmounted at the end."""
    montados = []

    def fazer(nome: str, opcoes: str) -> Path:
        ponto = tmp_path / nome
        ponto.mkdir()
        resultado = subprocess.run(["mount", "-t", "tmpfs", "-o", opcoes, "tmpfs", str(ponto)], capture_output=True)
        if resultado.returncode != 0:
            falta_no_ambiente(f"mounting a tmpfs needs root (.ci/run has it): {resultado.stderr.decode().strip()}")
        montados.append(ponto)
        return ponto

    yield fazer
    for ponto in montados:
        subprocess.run(["umount", "-l", str(ponto)], check=False)


def test_serve_refuses_an_unusable_data_dir_in_one_line(tmp_path, montar):
    arquivo = tmp_path / "arquivo"
    arquivo.write_text("")
    somente_leitura = montar("ro", "ro,size=1m")
    for pasta, causa in ((arquivo / "dados", "Not a directory"), (somente_leitura, "Read-only file system")):
        resultado = servir(pasta)
        assert resultado.returncode == 2, resultado.stderr
        linhas = resultado.stderr.strip().splitlines()
        assert "Traceback" not in resultado.stderr and len(linhas) == 1, resultado.stderr
        assert str(pasta) in linhas[0] and causa in linhas[0] and "AGENTNFE_DATA_DIR" in linhas[0]


def encher(pasta: Path) -> Path:
    enchimento = pasta / "enchimento"
    with open(enchimento, "wb", buffering=0) as arquivo:  # unbuffered: closing has nothing left to write
        try:
            while True:
                arquivo.write(b"\0" * 65536)
        except OSError:
            pass
    return enchimento


def test_a_full_disk_is_503_in_portuguese_and_healthz_sees_it(montar, clean_env, monkeypatch):
    """Embedded mode on a real 8 MB disk (in both test modes: the database must live on the disk that fills)."""
    from flask_migrate import upgrade

    disco = montar("disco", "size=8m")
    monkeypatch.setenv("AGENTNFE_DATA_DIR", str(disco))
    app = create_app(
        {
            "TESTING": True, "HUEY_IMMEDIATE": False, "REDIS_URL": None, **NO_EXTERNAL_SERVICES,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{disco / 'agentnfe.db'}", "API_TOKEN": API_TOKEN,
            "PROPAGATE_EXCEPTIONS": False,
        }
    )  # fmt: skip
    with app.app_context():
        upgrade()
        from agentnfe.contas import criar_usuario
        from agentnfe.models import Papel

        criar_usuario(db.session, "root@op.com", Papel.ADMIN, SENHA, superuser=True)
        db.session.commit()
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        formulario = csrf_de(client.get("/login").get_data(as_text=True))
        enchimento = encher(disco)

        saude = client.get("/healthz")
        assert saude.status_code == 503 and saude.get_json()["checks"]["database"] == "error"
        envio = client.post("/send/", json={"telefone": "5511987654321", "mensagem": "ajuda"},
                            headers={"Authorization": f"Bearer {API_TOKEN}"})  # fmt: skip
        assert envio.status_code == 503 and "tente novamente" in envio.get_json()["error"]
        entrada = client.post("/login", data={"email": "root@op.com", "password": SENHA, "csrf_token": formulario})
        assert entrada.status_code in (302, 503), entrada.status_code
        if entrada.status_code == 503:
            assert "tente novamente" in entrada.get_data(as_text=True)

        enchimento.unlink()
        assert client.get("/healthz").status_code == 200
        de_volta = client.post("/send/", json={"telefone": "5511987654321", "mensagem": "ajuda"},
                               headers={"Authorization": f"Bearer {API_TOKEN}"})  # fmt: skip
        assert de_volta.status_code == 200
        db.session.remove()
        db.engine.dispose()
