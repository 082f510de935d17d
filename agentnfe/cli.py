"""Operator commands of `python -m agentnfe` (DESIGN.md §7); each is a thin wrapper over the domain."""

from __future__ import annotations

import io
import json
import secrets
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from . import auditoria, estatisticas, relogio
from .contas import ContaInvalida, criar_contabilidade, criar_usuario
from .conversation.extracao_cli import extrair_linha
from .extensions import db
from .fiscal import DocumentoInvalido, parse_cnpj
from .importacao import ArquivoIlegivel, CabecalhoInvalido, decodificar, importar_empresas
from .models import Papel, SituacaoCancelamento, User
from .seed import seed_demo


def upgrade_database() -> None:
    """Bring the schema to the latest migration (creates it on first start)."""
    from flask_migrate import upgrade

    upgrade()
    estatisticas.atualizar()


def first_run_hint() -> str | None:
    if db.session.scalar(sa.select(User.id).limit(1)) is not None:
        return None
    return (
        "Nenhum usuário cadastrado ainda. Crie a contabilidade e o primeiro acesso com\n"
        '  python -m agentnfe create-contabilidade "Minha Contabilidade"\n'
        '  python -m agentnfe create-user voce@exemplo.com.br --role admin --contabilidade "Minha Contabilidade"\n'
        "ou carregue dados de demonstração com\n"
        "  python -m agentnfe seed-demo"
    )


@click.command("create-contabilidade", help="Cria uma contabilidade.")
@click.argument("nome")
@click.option("--cnpj", default=None)
@with_appcontext
def create_contabilidade(nome: str, cnpj: str | None) -> None:
    """Create an accounting firm."""
    try:
        firma = criar_contabilidade(db.session, nome, cnpj)
    except (ContaInvalida, ValueError) as erro:
        db.session.rollback()
        raise click.ClickException(str(erro)) from None
    db.session.commit()
    click.echo(f"Contabilidade criada: {firma.nome} (id {firma.id})")


@click.command("create-user", help="Cria um usuário do painel (admin, contador ou suporte).")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([p.value for p in Papel]))
@click.option("--contabilidade", default=None, help="Nome da contabilidade (maiúsculas e minúsculas tanto faz).")
@click.option("--superuser", is_flag=True)
@click.option("--password-stdin", is_flag=True, help="Lê a senha da primeira linha da entrada padrão.")
@with_appcontext
def create_user(email: str, role: str, contabilidade: str | None, superuser: bool, password_stdin: bool) -> None:
    """Create a back-office user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Senha", hide_input=True, confirmation_prompt=True)
    try:
        user = criar_usuario(db.session, email, Papel(role), password, contabilidade, superuser)
    except ContaInvalida as erro:
        db.session.rollback()
        raise click.ClickException(str(erro)) from None
    db.session.commit()
    firma = f" em {user.contabilidade.nome}" if user.contabilidade else ""
    click.echo(f"Usuário criado: {user.email} ({user.role.value}{', superusuário' if superuser else ''}){firma}")


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
        resultado = importar_empresas(io.StringIO(texto), db.session)
    except CabecalhoInvalido as erro:
        db.session.rollback()
        click.echo(str(erro), err=True)
        sys.exit(1)
    auditoria.registrar(db.session, "importar", "importacao", None, resultado.descricao(arquivo.name), origem="cli")
    db.session.commit()
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


@click.command("seed-demo", help="Carrega dados de demonstração (contabilidades, empresas, notas e conversas).")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--password", default=None, help="Senha dos administradores de demonstração (gerada e mostrada se ausente)."
)
@with_appcontext
def seed_demo_command(scale: int, password: str | None) -> None:
    """Load demo firms: each with 20 empresas, 1,000 notes and 10,000 messages."""
    generated = password is None
    password = password or secrets.token_urlsafe(9)
    inicio = time.monotonic()
    with click.progressbar(length=scale, label="Criando firmas de demonstração") as barra:
        criadas = seed_demo(db.session, scale, password, progress=lambda _firma: barra.update(1))
    click.echo(f"{len(criadas)} firmas criadas em {time.monotonic() - inicio:.1f} s.")
    for firma in criadas[:3]:
        click.echo(f"  {firma.nome}: login {firma.email}")
    if len(criadas) > 3:
        click.echo(f"  … até {criadas[-1].nome}: login {criadas[-1].email}")
    if generated:
        click.echo(f"Senha dos administradores de demonstração: {password}")


@click.command("extract", help="Lê os campos da nota de mensagens em JSON Lines (teste das regras de extração).")
@click.option("--no-llm", is_flag=True, help="Só as regras, mesmo com OPENAI_API_KEY definida.")
@click.argument("arquivo", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def extract(no_llm: bool, arquivo: str | None) -> None:
    """Extract note fields from JSON Lines ({"id", "text"}) on FILE or stdin; JSON Lines out."""
    try:
        entrada = open(arquivo, "rb") if arquivo else sys.stdin.buffer  # noqa: SIM115
    except OSError as erro:
        raise click.ClickException(f"cannot read {arquivo}: {erro.strerror}") from None
    with entrada:
        for linha in entrada:
            click.echo(json.dumps(extrair_linha(linha, usar_llm=not no_llm), ensure_ascii=False))


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

    from .emission import certificados
    from .emission.gateways import GatewayIndisponivel, GatewayRecusou
    from .models import Empresa

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
        registro = certificados.adicionar(db.session, empresa, Path(arquivo).read_bytes(), senha, relogio.hoje())
    except certificados.CertificadoInvalido as erro:
        db.session.rollback()
        raise click.ClickException(str(erro)) from None
    db.session.commit()
    certificado_id, titular, valido_ate = registro.id, registro.titular, registro.valido_ate
    aviso = certificados.aviso_de_validade(registro, relogio.hoje())
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

    from tasks.emissao import seguir

    from .emission import replay as replays
    from .models import NFSe, StatusNFSe

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
    from tasks.emissao import poll_cancellation, seguir

    from .emission import cancelamento
    from .fiscal.cancelamento import CancelamentoInvalido, validar
    from .models import Empresa, NFSe, NFSeTentativa, StatusNFSe

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
    efeitos = cancelamento.pedir(nota_id, codigo_nacional, motivo, origem="cli")
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


COMMANDS = [
    create_contabilidade,
    create_user,
    import_empresas,
    seed_demo_command,
    extract,
    certificado,
    replay,
    cancelar,
]
