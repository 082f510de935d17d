"""The start-up step that prepares the data dir (after settings are loaded, before anything opens a file in it):
private permissions, a write probe, and the secrets the environment does not give — created once, race-free
when two processes start together, never read half-written."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from agentnfe.infra.config import ConfigError, chave_de_fernet


def preparar(settings: dict[str, Any]) -> None:
    """Make DATA_DIR ready and fill SECRET_KEY and AGENTNFE_ENCRYPTION_KEY from it when they are still None."""
    pasta = Path(settings["DATA_DIR"])
    pasta_privada(pasta)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = segredo_persistente(pasta, "secret_key", lambda: secrets.token_urlsafe(48))
    if not settings.get("AGENTNFE_ENCRYPTION_KEY"):
        settings["AGENTNFE_ENCRYPTION_KEY"] = chave_de_fernet(
            segredo_persistente(pasta, "encryption.key", lambda: Fernet.generate_key().decode())
        )


def segredo_persistente(pasta: Path, nome: str, gerar) -> str:
    """The secret in `pasta/nome`, created (mode 0600) on first use. The value is written whole to a private
    temporary file and linked into place, which fails if another process linked first: every process reads the
    one value that won, complete."""
    caminho = pasta / nome
    if not caminho.exists():
        fd, temporario = tempfile.mkstemp(dir=pasta, prefix=f".{nome}-")
        try:
            with os.fdopen(fd, "w") as arquivo:
                arquivo.write(gerar())
                arquivo.flush()
                os.fsync(arquivo.fileno())
            os.chmod(temporario, 0o600)
            try:
                os.link(temporario, caminho)
            except FileExistsError:
                pass  # another process created it first: its value is the one
        finally:
            os.unlink(temporario)
    return caminho.read_text().strip()


def pasta_privada(pasta: Path) -> None:
    """Make the data dir usable by this user only: 0700, its files 0600 (those created later too, by umask).

    It holds the database, the queue, the keys and the PDFs. Raises ConfigError when it cannot be created or
    written (a read-only disk, a path under a file), naming the path and the cause.
    """
    try:
        pasta.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.umask(0o077)
            os.chmod(pasta, 0o700)
            for raiz, pastas, arquivos in os.walk(pasta):
                for nome in pastas:
                    os.chmod(os.path.join(raiz, nome), 0o700)
                for nome in arquivos:
                    os.chmod(os.path.join(raiz, nome), 0o600)
        sonda = pasta / f".escrita-{os.getpid()}"
        sonda.write_bytes(b"ok")
        sonda.unlink()
    except OSError as erro:
        raise ConfigError(
            f"AGENTNFE_DATA_DIR {pasta} cannot be used: {erro.strerror or erro} (set it to a writable folder)"
        ) from None
