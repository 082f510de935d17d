"""Notes stuck or to undo: `replay`, `cancelar`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from agentnfe.fiscal import DocumentoInvalido, parse_cnpj
from agentnfe.infra.extensions import db
from agentnfe.models import SituacaoCancelamento


@click.command("replay", help="Reprocessa as notas paradas conforme a tabela de situações.")
@click.option("--status", "status_csv", default="erro,rejeitada,atencao", show_default=True)
@click.option("--empresa", "empresa_cnpj", default=None, help="Só as notas desta empresa (CNPJ).")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Só as notas criadas desde AAAA-MM-DD."
)
@click.option("--dry-run", is_flag=True, help="Mostra o que seria feito, sem mudar nada.")
@with_appcontext
def replay(status_csv: str, empresa_cnpj: str | None, since, dry_run: bool) -> None:
    """Apply the replay rule of the status table to failed or stuck notes; safe to run twice."""
    from collections import Counter

    from agentnfe.emission import replay as replays
    from agentnfe.models import NFSe, StatusNFSe
    from tasks.emissao import seguir

    try:
        status = [StatusNFSe(s.strip()) for s in status_csv.split(",") if s.strip()]
        cnpj = parse_cnpj(empresa_cnpj) if empresa_cnpj else None
    except ValueError as erro:
        raise click.ClickException(f"filtro inválido: {erro}") from None
    ids = list(db.session.scalars(replays.selecionar(status, cnpj, since.date() if since else None)))
    if dry_run:
        contagem = Counter(db.session.scalars(sa.select(NFSe.status).where(NFSe.id.in_(ids))) if ids else [])
        for situacao, quantidade in sorted(contagem.items()):
            click.echo(f"{quantidade} nota(s) {situacao.value}: {replays.ACOES[situacao]}")
        click.echo(f"{len(ids)} nota(s) seriam reprocessadas (nada foi alterado).")
        return
    with click.progressbar(length=len(ids), label="Reprocessando notas") as barra:
        resumo = replays.executar(ids, origem="cli", progresso=lambda: barra.update(1))
    for nfse_id, efeitos in resumo.efeitos:
        seguir(efeitos, nfse_id)
    situacoes = ", ".join(f"{status} {n}" for status, n in sorted(resumo.por_status_final.items())) or "nenhuma"
    click.echo(f"{len(ids)} nota(s) reprocessada(s). Situação agora: {situacoes}.")


@click.command("cancelar", help="Cancela uma nota autorizada, com código e motivo.")
@click.option("--id", "nfse_id", type=int, default=None, help="Id da nota no AgentNFe.")
@click.option("--empresa", "empresa_cnpj", default=None, help="CNPJ da empresa (com --numero).")
@click.option("--numero", default=None, help="Número da nota autorizada (com --empresa).")
@click.option(
    "--codigo",
    required=True,
    type=click.Choice(["1", "2", "9"]),
    help="1 erro na emissão, 2 serviço não prestado, 9 outros.",
)
@click.option("--motivo", required=True, help="Motivo enviado à prefeitura, de 15 a 255 caracteres.")
@with_appcontext
def cancelar(nfse_id: int | None, empresa_cnpj: str | None, numero: str | None, codigo: str, motivo: str) -> None:
    """Cancel an authorized note (the same operation as the admin's); the outcome also arrives as a notice."""
    from agentnfe.emission import cancelamento
    from agentnfe.fiscal.cancelamento import CancelamentoInvalido, validar
    from agentnfe.models import Empresa, NFSe, NFSeTentativa, StatusNFSe
    from tasks.emissao import poll_cancellation, seguir

    if (nfse_id is None) == (empresa_cnpj is None or numero is None):
        raise click.UsageError("informe --id ID ou então --empresa CNPJ --numero N")
    try:
        codigo_nacional, motivo = validar(codigo, motivo)
        consulta = sa.select(NFSe).where(NFSe.id == nfse_id)
        if nfse_id is None:
            consulta = (
                sa.select(NFSe)
                .join(Empresa, Empresa.id == NFSe.empresa_id)
                .where(Empresa.cnpj == parse_cnpj(empresa_cnpj), NFSe.numero == numero.strip())
            )
    except (CancelamentoInvalido, DocumentoInvalido) as erro:
        raise click.ClickException(str(erro)) from None
    nota = db.session.scalar(consulta.order_by(NFSe.id.desc()).limit(1))
    if nota is None:
        raise click.ClickException("nota não encontrada")
    if nota.status is not StatusNFSe.CONCLUIDA:
        raise click.ClickException(f"só notas autorizadas podem ser canceladas (esta está {nota.status.value})")
    nota_id, rotulo = nota.id, f"nº {nota.numero}" if nota.numero else f"id {nota.id}"
    efeitos = cancelamento.solicitar(nota_id, codigo_nacional, motivo, origem="cli")
    if efeitos.tentar_de_novo:
        raise click.ClickException("o gateway não respondeu; nada foi pedido, tente de novo em alguns minutos")
    seguir(efeitos, nota_id, proxima=poll_cancellation)
    db.session.expire_all()
    nota = db.session.get(NFSe, nota_id)
    if nota.status is StatusNFSe.CANCELADA:
        click.echo(f"Nota {rotulo} cancelada.")
    elif nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO:
        click.echo(
            f"Cancelamento da nota {rotulo} pedido (protocolo {nota.cancelamento_protocolo}); a confirmação chega como aviso."
        )
    else:
        ultima = db.session.scalar(
            sa.select(NFSeTentativa.resultado).where(NFSeTentativa.nfse_id == nota_id).order_by(NFSeTentativa.id.desc())
        )
        raise click.ClickException(f"o cancelamento da nota {rotulo} não foi aceito: {ultima}")


COMMANDS = [replay, cancelar]
