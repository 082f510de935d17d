"""`fechamento`: the month-end package from the command line (docs/arquitetura.md §7), the same operation as the admin's."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from agentnfe.emission import fechamento as pacotes
from agentnfe.fiscal import CompetenciaInvalida, DocumentoInvalido, parse_cnpj, parse_competencia
from agentnfe.infra.extensions import db
from agentnfe.models import Contabilidade


@click.command("fechamento", help="Gera um ZIP por empresa com XML, PDF e planilha das notas da competência.")
@click.option("--empresa", "empresa_cnpj", default=None, help="CNPJ de uma empresa.")
@click.option(
    "--contabilidade", "contabilidade_nome", default=None, help="Todas as empresas ativas desta contabilidade."
)
@click.option("--competencia", required=True, help="Mês dos serviços, AAAA-MM.")
@click.option("--dest", "destino", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def fechamento(empresa_cnpj: str | None, contabilidade_nome: str | None, competencia: str, destino: Path) -> None:
    """Write one ZIP per empresa with the XML and PDF of the month's authorized notes and notas.csv."""
    if (empresa_cnpj is None) == (contabilidade_nome is None):
        raise click.UsageError("informe --empresa CNPJ ou --contabilidade NOME")
    try:
        mes = parse_competencia(competencia)
        cnpj = parse_cnpj(empresa_cnpj) if empresa_cnpj else None
    except (CompetenciaInvalida, DocumentoInvalido) as erro:
        raise click.ClickException(str(erro)) from None
    firma = None
    if contabilidade_nome is not None:
        firma = db.session.scalar(Contabilidade.por_nome(contabilidade_nome))
        if firma is None:
            raise click.ClickException(f"contabilidade {contabilidade_nome!r} não existe")
    empresas = pacotes.empresas_de(firma.id if firma else None, cnpj)
    if not empresas:
        raise click.ClickException("nenhuma empresa encontrada para esse fechamento")
    total = pacotes.total_de_notas(empresas, mes)
    feitos = []
    with click.progressbar(
        length=total, label=f"Fechamento de {mes:%m/%Y}", file=click.get_text_stream("stderr")
    ) as barra:
        for empresa_id in empresas:
            feitos.append(pacotes.gerar(empresa_id, mes, destino, progresso=lambda: barra.update(1)))
    for pacote in feitos:
        falta = f"; {pacote.faltando} arquivo(s) faltando (veja faltando.txt)" if pacote.faltando else ""
        click.echo(f"{pacote.arquivo}  {pacote.empresa}: {pacote.notas} nota(s){falta}")


COMMANDS = [fechamento]
