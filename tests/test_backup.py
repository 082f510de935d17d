"""`backup` and `restore`: a backup taken while a conversation runs restores into a fresh data dir and an empty
database with the same notes, messages and certificates (readable with the restored key), in both modes."""

import tarfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from cryptography.fernet import Fernet

from agentnfe.app import create_app
from agentnfe.emission import links
from agentnfe.infra.extensions import db
from agentnfe.models import Certificado, Mensagem, NFSe

from . import factories
from .conftest import NO_EXTERNAL_SERVICES, TEST_DATABASE_URL, WhatsApp, com_certificado


def fotografia() -> dict:
    """What must survive: notes, messages and certificates (their secrets decrypted with the app's key)."""
    db.session.expire_all()
    retrato = {
        "notas": sorted(db.session.execute(sa.select(NFSe.id_integracao, NFSe.valor, NFSe.status)).all()),
        "mensagens": dict(db.session.execute(sa.select(Mensagem.id, Mensagem.texto)).all()),
        "certificados": [(c.cnpj, c.senha, len(c.arquivo)) for c in db.session.scalars(sa.select(Certificado))],
    }
    db.session.rollback()
    return retrato


def novo_app(pasta: Path, monkeypatch):
    """An app on a fresh data dir: its own SQLite file, or the (emptied) test PostgreSQL database."""
    monkeypatch.setenv("AGENTNFE_DATA_DIR", str(pasta))
    settings = {"TESTING": True, "HUEY_IMMEDIATE": True, "CACHE_TYPE": "SimpleCache", **NO_EXTERNAL_SERVICES}
    settings["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL or f"sqlite:///{pasta / 'agentnfe.db'}"
    return create_app(settings)


def esvaziar_postgres() -> None:
    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as conexao:
        conexao.execute(sa.text("DROP SCHEMA public CASCADE"))
        conexao.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def test_a_backup_taken_during_a_conversation_restores_everything(bot, whatsapp, alfa, tmp_path, monkeypatch):
    com_certificado(alfa.id)
    for valor in ("100.00", "2500.50"):
        factories.nota(db.session, alfa, valor=valor)
    db.session.commit()
    whatsapp.enviar("nota de 1500 para 12.345.678/0001-95 consultoria")
    links.guardar_pdf("agentnfe-guardado", b"%PDF-1.4 guardado")
    antes = fotografia()

    parar = threading.Event()

    def conversa():
        cliente = WhatsApp(bot.test_client(), whatsapp.evolution)
        with bot.app_context():
            while not parar.is_set():
                cliente.postar(cliente.evento("ajuda"))
            db.session.remove()

    fio = threading.Thread(target=conversa)
    fio.start()
    try:
        resultado = bot.test_cli_runner().invoke(args=["backup", "--dest", str(tmp_path / "copias")])
    finally:
        parar.set()
        fio.join(30)
    assert resultado.exit_code == 0, resultado.output
    arquivo = Path(resultado.output.strip())
    assert arquivo.parent == tmp_path / "copias" and arquivo.name.startswith("agentnfe-backup-")
    with tarfile.open(arquivo) as tar:
        nomes = set(tar.getnames())
    assert {"manifest.json", "encryption.key", "pdfs/agentnfe-guardado.pdf"} <= nomes
    assert ("agentnfe.dump" if TEST_DATABASE_URL else "agentnfe.db") in nomes
    depois = fotografia()
    db.session.remove()
    db.engine.dispose()

    if TEST_DATABASE_URL:
        esvaziar_postgres()
    destino = tmp_path / "nova"
    restauracao = novo_app(destino, monkeypatch)
    with restauracao.app_context():
        resultado = restauracao.test_cli_runner().invoke(args=["restore", str(arquivo)])
        assert resultado.exit_code == 0, resultado.output
        assert "Restaurado" in resultado.output and "1 PDFs" in resultado.output
        db.session.remove()
        db.engine.dispose()
    assert (destino / "pdfs" / "agentnfe-guardado.pdf").read_bytes() == b"%PDF-1.4 guardado"

    restaurado = novo_app(destino, monkeypatch)  # reads the restored key from the data dir
    with restaurado.app_context():
        agora = fotografia()
        db.session.remove()
        db.engine.dispose()
    assert agora["notas"] == antes["notas"] == depois["notas"]
    assert agora["certificados"] == antes["certificados"] and agora["certificados"][0][1] == "senha-do-cert"
    assert antes["mensagens"].items() <= agora["mensagens"].items() <= depois["mensagens"].items()


def test_restore_refuses_a_database_with_data_a_different_key_and_a_damaged_archive(bot, alfa, tmp_path, monkeypatch):
    runner = bot.test_cli_runner()
    arquivo = Path(runner.invoke(args=["backup", "--dest", str(tmp_path)]).output.strip())
    recusa = runner.invoke(args=["restore", str(arquivo)])
    assert recusa.exit_code != 0 and "not empty" in recusa.output and "--force" in recusa.output

    propria = bot.config["AGENTNFE_ENCRYPTION_KEY"]  # as a process started with another key in its environment
    monkeypatch.setitem(bot.config, "AGENTNFE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setitem(bot.config, "ENCRYPTION_KEY_DO_AMBIENTE", True)
    recusa = runner.invoke(args=["restore", str(arquivo), "--force"])
    assert recusa.exit_code != 0 and "AGENTNFE_ENCRYPTION_KEY" in recusa.output
    monkeypatch.setitem(bot.config, "AGENTNFE_ENCRYPTION_KEY", propria)
    monkeypatch.setitem(bot.config, "ENCRYPTION_KEY_DO_AMBIENTE", False)

    estragado = tmp_path / "estragado.tar.gz"
    with tarfile.open(arquivo) as origem, tarfile.open(estragado, "w:gz") as copia:
        for membro in origem.getmembers():
            dados = origem.extractfile(membro).read()
            if membro.name == "encryption.key":
                dados = dados[:-1] + b"X"
            membro.size = len(dados)
            import io

            copia.addfile(membro, io.BytesIO(dados))
    recusa = runner.invoke(args=["restore", str(estragado), "--force"])
    assert recusa.exit_code != 0 and "encryption.key is missing or damaged" in recusa.output

    aceito = runner.invoke(args=["restore", str(arquivo), "--force"])
    assert aceito.exit_code == 0, aceito.output


def test_backups_keep_the_newest(bot, tmp_path):
    runner = bot.test_cli_runner()
    inicio = datetime.now(UTC)
    feitos = []
    for minuto in range(4):
        with time_machine.travel(inicio + timedelta(minutes=minuto), tick=False):
            feitos.append(Path(runner.invoke(args=["backup", "--dest", str(tmp_path), "--keep", "2"]).output.strip()))
    assert sorted(tmp_path.glob("agentnfe-backup-*.tar.gz")) == feitos[2:]
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("manter", ["0", "-1"])
def test_keep_must_be_positive(bot, tmp_path, manter):
    resultado = bot.test_cli_runner().invoke(args=["backup", "--dest", str(tmp_path), "--keep", manter])
    assert resultado.exit_code != 0 and "--keep" in resultado.output
