"""Backups that restore (docs/arquitetura.md §7): one tar.gz with the database, the encryption key, the stored PDFs and a
manifest of checksums.

The database is copied while the app runs: SQLite through its online backup API (a consistent snapshot even
with writers), PostgreSQL with `pg_dump -Fc`. The archive holds the only copy of the encryption key most firms
have: without it, stored certificates and their passwords cannot be read.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

FORMATO = 1
PREFIXO = "agentnfe-backup-"
CHAVE = "encryption.key"
MANIFESTO = "manifest.json"
BANCO = {"sqlite": "agentnfe.db", "postgresql": "agentnfe.dump"}
"""The database's file in the archive, per mode."""


class BackupInvalido(Exception):
    """The backup or the restore cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Restaurado:
    arquivo: Path
    modo: str
    pdfs: int


def pasta_padrao() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "backups"


def feito_ha_menos_de(intervalo: timedelta) -> bool:
    """Whether the default folder holds a backup younger than `intervalo` (the desktop's daily backup)."""
    pasta = pasta_padrao()
    limite = (relogio.agora() - intervalo).timestamp()
    return pasta.is_dir() and any(a.stat().st_mtime > limite for a in pasta.glob(f"{PREFIXO}*.tar.gz"))


def _modo() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def _url_libpq() -> str:
    """The database URL as pg_dump and pg_restore take it: no SQLAlchemy driver suffix and no password (a
    command line is visible to every user in `ps`; the password goes through a password file, `_executar`)."""
    url = db.engine.url
    sem_senha = sa.URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    return sem_senha.render_as_string(hide_password=False)


def _sha256(caminho: Path) -> str:
    soma = hashlib.sha256()
    with open(caminho, "rb") as arquivo:
        for bloco in iter(lambda: arquivo.read(1 << 20), b""):
            soma.update(bloco)
    return soma.hexdigest()


def _copiar_banco(destino: Path) -> str:
    """A consistent copy of the live database into `destino`; returns its name in the archive."""
    nome = BANCO[_modo()]
    if _modo() == "sqlite":
        origem = sqlite3.connect(db.engine.url.database)
        copia = sqlite3.connect(destino / nome)
        try:
            origem.backup(copia)
        finally:
            copia.close()
            origem.close()
        return nome
    _executar(["pg_dump", "-Fc", "--no-owner", "-f", str(destino / nome), _url_libpq()], "pg_dump")
    return nome


def _arquivo_de_senha(pasta: Path) -> dict[str, str]:
    """The environment that gives pg_dump/pg_restore the database's password: a password file readable only by
    this user (PostgreSQL's advice over PGPASSWORD), in `pasta`, which the caller deletes."""
    senha = db.engine.url.password
    if not senha:
        return {}
    escapada = str(senha).replace("\\", "\\\\").replace(":", "\\:")
    caminho = pasta / "pgpass"
    descritor = os.open(caminho, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descritor, "w") as arquivo:
        arquivo.write(f"*:*:*:*:{escapada}\n")
    return {"PGPASSFILE": str(caminho)}


def _executar(comando: list[str], nome: str) -> None:
    try:
        with tempfile.TemporaryDirectory() as pasta:
            ambiente = {**os.environ, **_arquivo_de_senha(Path(pasta))}
            resultado = subprocess.run(comando, capture_output=True, text=True, timeout=3600, env=ambiente)
    except FileNotFoundError:
        raise BackupInvalido(
            f"{nome} not found: install the PostgreSQL client (same major version as the server)"
        ) from None
    if resultado.returncode != 0:
        linhas = resultado.stderr.strip().splitlines()
        raise BackupInvalido(f"{nome} failed ({resultado.returncode}): {linhas[-1] if linhas else 'no message'}")


def criar(destino: Path | None = None, manter: int = 30) -> Path:
    """Write one backup into `destino` (default `<data dir>/backups`) and keep only the newest `manter` there."""
    if manter < 1:
        raise BackupInvalido("--keep must be at least 1")
    destino = destino or pasta_padrao()
    destino.mkdir(parents=True, exist_ok=True)
    dados = Path(current_app.config["DATA_DIR"])
    arquivo = destino / f"{PREFIXO}{relogio.agora_local():%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(dir=destino) as temporaria:
        pasta = Path(temporaria)
        nomes = [_copiar_banco(pasta)]
        (pasta / CHAVE).write_text(current_app.config["AGENTNFE_ENCRYPTION_KEY"])
        nomes.append(CHAVE)
        pdfs = sorted((dados / "pdfs").glob("*.pdf")) if (dados / "pdfs").is_dir() else []
        manifesto = {
            "formato": FORMATO,
            "criado_em": relogio.agora().isoformat(),
            "modo": _modo(),
            "revisao": db.session.scalar(sa.text("SELECT version_num FROM alembic_version")),
            "arquivos": {nome: _sha256(pasta / nome) for nome in nomes}
            | {f"pdfs/{pdf.name}": _sha256(pdf) for pdf in pdfs},
        }
        db.session.rollback()
        parcial = arquivo.with_suffix(".partial")
        with tarfile.open(parcial, "w:gz") as tar:
            conteudo = json.dumps(manifesto, indent=2).encode()
            info = tarfile.TarInfo(MANIFESTO)
            info.size = len(conteudo)
            tar.addfile(info, io.BytesIO(conteudo))
            for nome in nomes:
                tar.add(pasta / nome, arcname=nome)
            for pdf in pdfs:
                tar.add(pdf, arcname=f"pdfs/{pdf.name}")
        parcial.replace(arquivo)
    for antigo in sorted(destino.glob(f"{PREFIXO}*.tar.gz"))[:-manter]:
        antigo.unlink()
    return arquivo


def _vazio() -> bool:
    """Whether the database holds no row of ours (a schema alone, or nothing at all, is empty)."""
    inspetor = sa.inspect(db.engine)
    tabelas = [t for t in inspetor.get_table_names() if t not in ("alembic_version", "sonda_escrita")]
    for tabela in tabelas:
        if db.session.execute(sa.text(f'SELECT 1 FROM "{tabela}" LIMIT 1')).first() is not None:  # noqa: S608
            db.session.rollback()
            return False
    db.session.rollback()
    return True


_NOME_PDF = re.compile(r"pdfs/([A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\.pdf)")
RESERVA_DISCO = 512 * 1024 * 1024
"""Free space a restore leaves on the data dir's disk beyond what the archive expands to."""


def _nome_valido(nome: str) -> bool:
    """The only names a backup holds: its manifest, key and database, and `pdfs/<file>.pdf` — one level, no
    `..`, no separator in the file name."""
    return nome in (MANIFESTO, CHAVE, *BANCO.values()) or _NOME_PDF.fullmatch(nome) is not None


def _membros(tar: tarfile.TarFile, arquivo: Path, livre: int) -> list[tarfile.TarInfo]:
    """The archive's members after checking, before anything is written: plain files with the names a backup
    holds, once each, expanding to what the disk can take. Reading the headers decompresses the stream (CPU, no
    disk) and stops as soon as the sizes pass the limit: a small archive cannot fill the disk."""
    membros, total = [], 0
    for membro in tar:
        if not membro.isfile() or not _nome_valido(membro.name):
            raise BackupInvalido(f"{arquivo}: unexpected entry {membro.name!r}: not an AgentNFe backup")
        total += membro.size
        if total > livre - RESERVA_DISCO:
            raise BackupInvalido(
                f"{arquivo} expands to more than the {max(0, livre - RESERVA_DISCO) // 2**20} MiB the data dir's "
                "disk can spare: free some space, or the archive is not an AgentNFe backup"
            )
        membros.append(membro)
    nomes = [membro.name for membro in membros]
    if len(set(nomes)) != len(nomes) or MANIFESTO not in nomes:
        raise BackupInvalido(f"{arquivo}: repeated entries or no manifest: not an AgentNFe backup")
    return membros


def _abrir(arquivo: Path, pasta: Path) -> dict:
    """Extract the archive into `pasta` and check every checksum; returns the manifest, whose names are exactly
    the archive's files (each one a name `_nome_valido` accepts)."""
    try:
        with tarfile.open(arquivo, "r:gz") as tar:
            membros = _membros(tar, arquivo, shutil.disk_usage(pasta).free)
            tar.extractall(pasta, members=membros, filter="data")
        manifesto = json.loads((pasta / MANIFESTO).read_text())
        arquivos = manifesto.get("arquivos")
    except (OSError, tarfile.TarError, ValueError, AttributeError, EOFError) as erro:
        raise BackupInvalido(f"{arquivo} is not an AgentNFe backup: {erro}") from None
    if manifesto.get("formato") != FORMATO:
        raise BackupInvalido(f"{arquivo}: backup format {manifesto.get('formato')!r} is not supported")
    extraidos = {membro.name for membro in membros} - {MANIFESTO}
    if not isinstance(arquivos, dict) or set(arquivos) != extraidos:
        raise BackupInvalido(f"{arquivo}: the manifest does not list the archive's files: not an AgentNFe backup")
    if CHAVE not in arquivos or not set(BANCO.values()) & set(arquivos):
        raise BackupInvalido(f"{arquivo}: no encryption key or no database: not an AgentNFe backup")
    for nome, soma in arquivos.items():
        if _sha256(pasta / nome) != soma:
            raise BackupInvalido(f"{arquivo}: {nome} is missing or damaged (checksum differs)")
    return manifesto


def restaurar(arquivo: Path, forcar: bool = False) -> Restaurado:
    """Put a backup in place: database, key and PDFs. Refuses a non-empty database unless `forcar`, and a key
    set in the environment that differs from the archive's. The caller upgrades the schema afterwards."""
    dados = Path(current_app.config["DATA_DIR"])
    with tempfile.TemporaryDirectory(dir=dados) as temporaria:
        pasta = Path(temporaria)
        manifesto = _abrir(arquivo, pasta)
        chave = (pasta / CHAVE).read_text().strip()
        definida = current_app.config["ENCRYPTION_KEY_DO_AMBIENTE"] and current_app.config["AGENTNFE_ENCRYPTION_KEY"]
        if definida and definida.strip() != chave:
            raise BackupInvalido(
                "AGENTNFE_ENCRYPTION_KEY is set to a different key than the backup's: unset it (the backup's key "
                "is restored into the data dir) or set it to the backup's key"
            )
        if manifesto.get("modo") != _modo():
            raise BackupInvalido(
                f"this backup is of a {manifesto.get('modo')} database; this installation uses {_modo()}"
            )
        if not forcar and not _vazio():
            raise BackupInvalido("the database is not empty: restore into an empty one, or pass --force to replace it")
        _repor_banco(pasta)
        (dados / CHAVE).write_text(chave)
        os.chmod(dados / CHAVE, 0o600)
        pdfs = [achado.group(1) for nome in manifesto["arquivos"] if (achado := _NOME_PDF.fullmatch(nome))]
        destino = dados / "pdfs"
        destino.mkdir(exist_ok=True)
        for nome in pdfs:  # a bare file name, checked by _abrir: the copy cannot leave the PDF folder
            shutil.copyfile(pasta / "pdfs" / nome, destino / nome)
    return Restaurado(arquivo, manifesto["modo"], len(pdfs))


def _repor_banco(pasta: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if _modo() == "sqlite":
        alvo = Path(db.engine.url.database)
        for sufixo in ("-wal", "-shm"):
            Path(f"{alvo}{sufixo}").unlink(missing_ok=True)
        shutil.copyfile(pasta / BANCO["sqlite"], alvo)
        return
    with db.engine.begin() as conexao:
        conexao.execute(sa.text("DROP SCHEMA public CASCADE"))
        conexao.execute(sa.text("CREATE SCHEMA public"))
    db.engine.dispose()
    _executar(["pg_restore", "--no-owner", "-d", _url_libpq(), str(pasta / BANCO["postgresql"])], "pg_restore")
