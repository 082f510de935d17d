"""`backup` and `restore` (docs/arquitetura.md §7)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from agentnfe.cli.comum import upgrade_database
from agentnfe.infra import backup


@click.command("backup", help="Faz a cópia de segurança do banco, da chave e dos arquivos.")
@click.option(
    "--dest", type=click.Path(file_okay=False, path_type=Path), help="Pasta (padrão: <pasta de dados>/backups)."
)
@click.option("--keep", default=30, show_default=True, type=int, help="Quantas cópias manter nessa pasta.")
@with_appcontext
def backup_command(dest: Path | None, keep: int) -> None:
    """Back up the database, the encryption key and the stored PDFs into one tar.gz (safe while running)."""
    try:
        arquivo = backup.criar(dest, keep)
    except backup.BackupInvalido as erro:
        raise click.ClickException(str(erro)) from None
    click.echo(str(arquivo))


@click.command("restore", help="Restaura uma cópia de segurança num banco vazio.")
@click.argument("arquivo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Substitui um banco de dados que não está vazio.")
@with_appcontext
def restore_command(arquivo: Path, force: bool) -> None:
    """Restore a backup into an empty database (the key and PDFs into the data dir), then upgrade the schema."""
    try:
        restaurado = backup.restaurar(arquivo, forcar=force)
    except backup.BackupInvalido as erro:
        raise click.ClickException(str(erro)) from None
    upgrade_database()
    click.echo(f"Restaurado {restaurado.arquivo.name} ({restaurado.modo}, {restaurado.pdfs} PDFs).")


COMMANDS = [backup_command, restore_command]
