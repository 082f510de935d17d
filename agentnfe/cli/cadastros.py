"""The registry: `import-empresas` (CSV) and `certificado add` (A1 certificates)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from agentnfe import auditoria
from agentnfe.cadastros.importacao import ArquivoIlegivel, CabecalhoInvalido, decodificar, importar_empresas
from agentnfe.fiscal import DocumentoInvalido, parse_cnpj
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao


@click.command("import-empresas", help="Importa ou atualiza empresas de um CSV (colunas no README).")
@click.argument("arquivo", type=click.File("rb"))
@with_appcontext
def import_empresas(arquivo) -> None:
    """Import or update empresas from a CSV file (contract header, see README)."""
    try:
        texto, aviso = decodificar(arquivo.read())
    except ArquivoIlegivel as erro:
        raise click.ClickException(str(erro)) from None
    if aviso:
        click.echo(aviso, err=True)
    try:
        with transacao():
            resultado = importar_empresas(io.StringIO(texto), db.session)
            descricao = resultado.descricao(arquivo.name)
            auditoria.registrar(db.session, "importar", "importacao", None, descricao, origem="cli")
    except CabecalhoInvalido as erro:
        click.echo(str(erro), err=True)
        sys.exit(1)
    for nome in resultado.contabilidades_criadas:
        click.echo(f"Contabilidade criada: {nome}")
    for numero, motivo in resultado.erros:
        click.echo(f"linha {numero}: {motivo}", err=True)
    click.echo(
        f"{resultado.criadas} empresas criadas, {resultado.atualizadas} atualizadas, "
        f"{len(resultado.erros)} linhas com erro."
    )
    if resultado.erros:
        sys.exit(1)


@click.group("certificado", help="Certificados A1 das empresas.")
def certificado() -> None:
    """A1 certificates of the empresas."""


@certificado.command(
    "add", help="Guarda o certificado A1 (.pfx) de uma empresa, cifrado; no PlugNotas, envia-o e cadastra a empresa."
)
@click.argument("cnpj")
@click.argument("arquivo", type=click.Path(exists=True, dir_okay=False))
@click.option("--password-stdin", is_flag=True, help="Lê a senha do certificado da primeira linha da entrada padrão.")
@with_appcontext
def certificado_add(cnpj: str, arquivo: str, password_stdin: bool) -> None:
    """Check, encrypt and store an A1 certificate (.pfx/.p12); with PlugNotas, upload it and register the empresa."""

    from agentnfe.emission import certificados
    from agentnfe.emission.gateways import GatewayIndisponivel, GatewayRecusou
    from agentnfe.models import Empresa

    try:
        empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == parse_cnpj(cnpj)))
    except DocumentoInvalido as erro:
        raise click.ClickException(str(erro)) from None
    if empresa is None:
        raise click.ClickException(f"nenhuma empresa cadastrada com o CNPJ {cnpj}")
    senha = (
        sys.stdin.readline().rstrip("\r\n") if password_stdin else click.prompt("Senha do certificado", hide_input=True)
    )
    try:
        with transacao():
            registro = certificados.adicionar(db.session, empresa, Path(arquivo).read_bytes(), senha, relogio.hoje())
            certificado_id, titular, valido_ate = registro.id, registro.titular, registro.valido_ate
            aviso = certificados.aviso_de_validade(registro, relogio.hoje())
    except certificados.CertificadoInvalido as erro:
        raise click.ClickException(str(erro)) from None
    click.echo(f"Certificado de {titular} (CNPJ {cnpj}) válido até {valido_ate:%d/%m/%Y} guardado.")
    if aviso:
        click.echo(aviso, err=True)
    try:
        enviado = certificados.enviar_ao_gateway(certificado_id)
    except (certificados.EmpresaIncompleta, GatewayRecusou, GatewayIndisponivel) as erro:
        db.session.rollback()
        detalhe = erro.detalhe() if isinstance(erro, GatewayRecusou) else str(erro)
        raise click.ClickException(
            f"o gateway não recebeu o certificado: {detalhe}. Corrija e reenvie pelo painel (Certificados A1)."
        ) from None
    if enviado:
        click.echo("Enviado ao PlugNotas e empresa registrada lá.")


COMMANDS = [import_empresas, certificado]
