"""A crafted backup cannot write outside the PDF folder, replace the data dir's secrets, plant a file in the cache,
or fill the disk; pg_dump and pg_restore never get the database password on their command line."""

import hashlib
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest

from agentnfe.infra import backup


@pytest.fixture
def legitimo(bot, tmp_path) -> Path:
    resultado = bot.test_cli_runner().invoke(args=["backup", "--dest", str(tmp_path / "copias")])
    assert resultado.exit_code == 0, resultado.output
    return Path(resultado.output.strip())


def forjar(origem: Path, destino: Path, extras: dict[str, bytes], manifesto_extra: dict[str, bytes]) -> Path:
    """A copy of a real backup with files added to the archive (`extras`) and names added to its manifest with
    the checksums of the given contents (`manifesto_extra`), as an attacker who read backup.py would write it."""
    with tarfile.open(origem) as tar:
        conteudos = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifesto = json.loads(conteudos.pop("manifest.json"))
    for nome, dados in manifesto_extra.items():
        manifesto["arquivos"][nome] = hashlib.sha256(dados).hexdigest()
    with tarfile.open(destino, "w:gz") as tar:
        for nome, dados in {"manifest.json": json.dumps(manifesto).encode(), **conteudos, **extras}.items():
            info = tarfile.TarInfo(nome)
            info.size = len(dados)
            tar.addfile(info, io.BytesIO(dados))
    return destino


def restaurar(bot, arquivo: Path):
    return bot.test_cli_runner().invoke(args=["restore", str(arquivo), "--force"])


def test_a_manifest_name_climbing_out_of_pdfs_cannot_replace_the_secret_key(bot, legitimo, tmp_path):
    dados = Path(bot.config["DATA_DIR"])
    antes = (dados / "secret_key").read_bytes()
    chave = b"chave-do-atacante"
    arquivo = forjar(legitimo, tmp_path / "a.tar.gz", {"secret_key": chave}, {"pdfs/../secret_key": chave})
    resultado = restaurar(bot, arquivo)
    assert resultado.exit_code != 0 and "not an AgentNFe backup" in resultado.output
    assert (dados / "secret_key").read_bytes() == antes


@pytest.mark.parametrize(
    "nome",
    ["pdfs/../../plantado.txt", "pdfs/../cache/2029f7c0ad1e", "pdfs/sub/../../x.pdf", "pdfs/.pdf/../../y"],
)
def test_no_manifest_name_writes_outside_the_pdf_folder(bot, legitimo, tmp_path, nome):
    dados = Path(bot.config["DATA_DIR"])
    carga = b"cos\nsystem\n(S'touch /tmp/agentnfe-pwned'\ntR."  # a pickle that runs a command when loaded
    arquivo = forjar(legitimo, tmp_path / "b.tar.gz", {Path(nome).name: carga}, {nome: carga})
    resultado = restaurar(bot, arquivo)
    assert resultado.exit_code != 0 and "not an AgentNFe backup" in resultado.output
    escritos = [p for p in dados.parent.rglob("*") if p.is_file() and p.read_bytes() == carga]
    assert [p for p in escritos if p.parent != tmp_path and "copias" not in p.parts] == []


def test_an_entry_a_backup_never_holds_is_refused_before_anything_is_extracted(bot, legitimo, tmp_path, monkeypatch):
    extraidos = []
    monkeypatch.setattr(tarfile.TarFile, "extractall", lambda self, *a, **k: extraidos.append(k))
    arquivo = forjar(legitimo, tmp_path / "c.tar.gz", {"cache/abc": b"x"}, {})
    resultado = restaurar(bot, arquivo)
    assert resultado.exit_code != 0 and "unexpected entry 'cache/abc'" in resultado.output
    assert extraidos == []


def test_an_archive_that_expands_beyond_the_free_disk_is_refused_before_anything_is_written(
    bot, legitimo, tmp_path, monkeypatch
):
    bomba = bytes(64 * 2**20)  # 64 MiB of zeros: 64 KiB compressed
    arquivo = forjar(legitimo, tmp_path / "d.tar.gz", {"pdfs/bomba.pdf": bomba}, {"pdfs/bomba.pdf": bomba})
    assert arquivo.stat().st_size < 2**20
    extraidos = []
    monkeypatch.setattr(tarfile.TarFile, "extractall", lambda self, *a, **k: extraidos.append(k))
    real = backup.shutil.disk_usage
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda p: real(p)._replace(free=backup.RESERVA_DISCO + 2**25))
    resultado = restaurar(bot, arquivo)
    assert (
        resultado.exit_code != 0 and "expands to more than the 32 MiB the data dir's disk can spare" in resultado.output
    )
    assert extraidos == []


def test_a_good_backup_still_restores_its_pdfs(bot, tmp_path):
    from agentnfe.emission import links

    links.guardar_pdf("agentnfe-nota", b"%PDF-1.4 nota")
    runner = bot.test_cli_runner()
    arquivo = Path(runner.invoke(args=["backup", "--dest", str(tmp_path)]).output.strip())
    links.caminho_pdf("agentnfe-nota").unlink()
    resultado = restaurar(bot, arquivo)
    assert resultado.exit_code == 0, resultado.output
    assert links.caminho_pdf("agentnfe-nota").read_bytes() == b"%PDF-1.4 nota"


def test_pg_dump_gets_the_password_from_a_private_file_never_the_command_line(bot, tmp_path, monkeypatch):
    """What pg_dump is handed, whatever the mode of this run: its command line, and a password file that exists
    only while it runs."""
    from sqlalchemy.engine import make_url

    from agentnfe.infra.extensions import db

    vistos = []

    def pg_dump(comando, **kwargs):
        arquivo = Path(kwargs["env"]["PGPASSFILE"])
        vistos.append((comando, arquivo, arquivo.read_text(), stat.S_IMODE(arquivo.stat().st_mode)))
        return backup.subprocess.CompletedProcess(comando, 0, "", "")

    monkeypatch.setattr(backup.subprocess, "run", pg_dump)
    monkeypatch.setattr(backup, "_modo", lambda: "postgresql")
    url = make_url("postgresql+psycopg://agentnfe:s3nh4:secr%5Ceta@127.0.0.1:5432/agentnfe")
    monkeypatch.setattr(db.engine, "url", url)
    backup._copiar_banco(tmp_path)
    [(comando, arquivo, conteudo, modo)] = vistos
    assert comando[0] == "pg_dump" and not any("s3nh4" in parte for parte in comando)
    assert comando[-1] == "postgresql://agentnfe@127.0.0.1:5432/agentnfe"
    assert conteudo == "*:*:*:*:s3nh4\\:secr\\\\eta\n" and modo == 0o600
    assert not arquivo.exists()
