"""`nacional verificar --empresa CNPJ`: what an accountant runs before moving an empresa to the national emitter.

With the empresa's own A1, against its ambiente: the TLS handshake and which Sefin base answered, the convênio of its
município and the rate of each service there (and which parameters base answered), the next DPS number (GET
/dps/{id}: unused, or already a note), and the registration the national rules need — each line in Portuguese,
exit status 1 when anything is missing.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import relogio
from .emission import dps
from .emission.gateways import GatewayInacessivel, GatewayIndisponivel, corpo_json, gateway_nacional, pedir
from .emission.gateways.nacional import CAMINHOS_RESTRITA, SEFIN_RESTRITA, Nacional
from .extensions import db
from .fiscal import DocumentoInvalido, nome_municipio, parse_cnpj, regras_nacionais
from .models import Ambiente, Empresa, Regime
from .rotulos import aliquota as rotulo_aliquota

OK, FALTA = "✔", "✘"


class Relatorio:
    def __init__(self):
        self.faltas = 0

    def linha(self, certo: bool, texto: str) -> None:
        self.faltas += not certo
        click.echo(f"{OK if certo else FALTA} {texto}")


def candidatos_sefin(empresa: Empresa, nacional: Nacional) -> list[str]:
    """The Sefin bases to probe: the configured one, and in produção restrita also the other published path."""
    if current_app.config["NACIONAL_SEFIN_URL"] or empresa.ambiente is Ambiente.PRODUCAO:
        return [nacional.sefin]
    return [nacional.sefin] + [SEFIN_RESTRITA + c for c in CAMINHOS_RESTRITA if SEFIN_RESTRITA + c != nacional.sefin]


def sondar_dps(nacional: Nacional, bases: list[str], id_dps: str) -> tuple[str | None, dict | None, list[str]]:
    """GET /dps/{id} on each base until one answers in JSON: (the base, its answer when the DPS exists, problems)."""
    problemas = []
    for base in bases:
        try:
            resposta = pedir(nacional.credencial.http, "Sefin Nacional", "GET", f"{base}/dps/{id_dps}")
        except (GatewayInacessivel, GatewayIndisponivel) as erro:
            problemas.append(f"{base}: {erro}")
            continue
        corpo = corpo_json(resposta)
        if resposta.status_code in (200, 404) and isinstance(corpo, dict) and "texto" not in corpo:
            return base, (corpo if resposta.status_code == 200 else None), problemas
        problemas.append(f"{base}: HTTP {resposta.status_code}, sem resposta da API")
    return None, None, problemas


def _cadastro(empresa: Empresa, relatorio: Relatorio) -> None:
    proibido = regras_nacionais.regime_especial_proibido(
        empresa.regime, empresa.apuracao_simples, empresa.regime_especial
    )
    relatorio.linha(not proibido, proibido or "regime especial compatível com o regime")
    if empresa.regime is Regime.SIMPLES_NACIONAL:
        relatorio.linha(
            empresa.aliquota_simples_total is not None,
            "alíquota total efetiva do Simples (PGDAS-D) cadastrada"
            if empresa.aliquota_simples_total is not None
            else "falta a alíquota total efetiva do Simples (PGDAS-D) no cadastro da empresa",
        )
    serie = int(empresa.serie_dps or 0)
    relatorio.linha(1 <= serie <= dps.SERIE_MAXIMA, f"série da DPS {empresa.serie_dps} (aceitas: 1 a 49999)")
    sem_codigo = [s.codigo_servico for s in empresa.servicos if not s.codigo_tributacao_nacional]
    relatorio.linha(
        not sem_codigo,
        "todos os serviços têm código de tributação nacional"
        if not sem_codigo
        else f"serviços sem código de tributação nacional: {', '.join(sem_codigo)}",
    )


def _municipio(empresa: Empresa, nacional: Nacional, relatorio: Relatorio) -> None:
    municipio = empresa.codigo_municipio
    nome = nome_municipio(municipio) or municipio
    try:
        convenio = nacional.parametros.convenio(municipio)
    except (GatewayInacessivel, GatewayIndisponivel) as erro:
        relatorio.linha(False, f"parâmetros municipais indisponíveis: {erro}")
        return
    mei = empresa.regime is Regime.MEI
    if convenio is None or not convenio.ativo:
        situacao = "não tem convênio" if convenio is None else "tem o convênio inativo"
        if mei:
            click.echo(f"• {nome} {situacao} com o sistema nacional; MEI emite pelo nacional mesmo assim (E0037).")
        else:
            relatorio.linha(False, f"{nome} {situacao} com o sistema nacional: mantenha a empresa no PlugNotas")
        return
    relatorio.linha(True, f"{nome} tem convênio ativo (respondeu: {convenio.base})")
    if not mei:
        relatorio.linha(convenio.emissor_nacional, f"{nome} libera os emissores públicos nacionais (E0039)")
    for servico in empresa.servicos:
        if not servico.codigo_tributacao_nacional:
            continue
        try:
            municipal = nacional.parametros.aliquota(municipio, servico.codigo_tributacao_nacional, relogio.hoje())
        except (GatewayInacessivel, GatewayIndisponivel) as erro:
            relatorio.linha(False, f"alíquota do serviço {servico.codigo_servico} indisponível: {erro}")
            continue
        if municipal is None or municipal.aliquota is None:
            relatorio.linha(False, f"{nome} não tem alíquota vigente para o serviço {servico.codigo_servico} (E0310)")
        elif municipal.aliquota != servico.aliquota_iss and not mei:
            click.echo(
                f"• serviço {servico.codigo_servico}: {nome} aplica {rotulo_aliquota(municipal.aliquota)}, o perfil diz "
                f"{rotulo_aliquota(servico.aliquota_iss)} — a nota sai com a do município; corrija o perfil"
            )
        else:
            relatorio.linha(True, f"serviço {servico.codigo_servico}: alíquota {rotulo_aliquota(municipal.aliquota)}")


@click.group("nacional", help="Emissor nacional da NFS-e (Sefin Nacional).")
def nacional() -> None:
    pass


@nacional.command(
    "verificar",
    help="Confere, com o certificado A1 da empresa e no ambiente dela, se ela pode emitir pelo emissor nacional: "
    "conexão, convênio e alíquotas do município, próximo número da DPS e cadastro.",
)
@click.option("--empresa", "cnpj", required=True, help="CNPJ da empresa (com ou sem pontuação).")
@with_appcontext
def verificar(cnpj: str) -> None:
    try:
        numero = parse_cnpj(cnpj)
    except DocumentoInvalido as erro:
        raise click.ClickException(str(erro)) from None
    empresa = db.session.query(Empresa).filter_by(cnpj=numero).one_or_none()
    if empresa is None:
        raise click.ClickException(f"nenhuma empresa com o CNPJ {cnpj}")
    click.echo(f"{empresa.razao_social} — ambiente {empresa.ambiente.value}")
    relatorio = Relatorio()
    _cadastro(empresa, relatorio)
    nacional_da_empresa = gateway_nacional(empresa.id)
    id_dps = dps.identificador(empresa, empresa.serie_dps, empresa.numero_dps)
    db.session.rollback()  # nothing of the database is held while the national system is asked
    if nacional_da_empresa.credencial is None:
        relatorio.linha(False, "a empresa não tem certificado A1: envie-o em Cadastros → Certificados A1")
        raise SystemExit(1)
    base, existente, problemas = sondar_dps(nacional_da_empresa, candidatos_sefin(empresa, nacional_da_empresa), id_dps)
    for problema in problemas:
        click.echo(f"• {problema}")
    relatorio.linha(base is not None, f"conexão com o certificado da empresa (respondeu: {base or 'nenhuma base'})")
    if base is not None:
        relatorio.linha(
            existente is None,
            f"próximo número da DPS ({empresa.numero_dps}) ainda não usado"
            if existente is None
            else f"o número {empresa.numero_dps} da DPS já gerou a NFS-e {existente.get('chaveAcesso')}: avance o "
            "próximo número da DPS no cadastro da empresa",
        )
    _municipio(empresa, nacional_da_empresa, relatorio)
    if relatorio.faltas:
        click.echo(f"{relatorio.faltas} pendência(s): corrija antes de mudar a empresa para o emissor nacional.")
        raise SystemExit(1)
    click.echo("Tudo certo: a empresa pode emitir pelo emissor nacional.")


COMMANDS = (nacional,)
