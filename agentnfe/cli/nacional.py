"""`nacional verificar --empresa CNPJ`: what an accountant runs before moving an empresa to the national emitter.

With the empresa's own A1, against its ambiente: the TLS handshake and which Sefin base answered, the convênio of its
município and the rate of each service there (and which parameters base answered), the next DPS number (GET
/dps/{id}: unused, or already a note), and the registration the national rules need — each line in Portuguese,
exit status 1 when anything is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext

from agentnfe.emission import dps
from agentnfe.emission.gateways import GatewayInacessivel, GatewayIndisponivel, corpo_json, gateway_nacional, pedir
from agentnfe.emission.gateways.nacional import CAMINHOS_RESTRITA, SEFIN_RESTRITA, Nacional
from agentnfe.fiscal import DocumentoInvalido, nome_municipio, parse_cnpj, regras_nacionais
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao
from agentnfe.models import Ambiente, Empresa, Regime
from agentnfe.rotulos import aliquota as rotulo_aliquota

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


@dataclass(frozen=True)
class Perfil:
    """What the checks against the national system need of the empresa, read before any call goes out."""

    municipio: str
    mei: bool
    numero_dps: int
    candidatos: list[str]
    servicos: list[tuple[str, str | None, Decimal]]  # (LC 116 item, cTribNac, the profile's ISS rate)

    @classmethod
    def de(cls, empresa: Empresa, nacional: Nacional) -> Perfil:
        servicos = [(s.codigo_servico, s.codigo_tributacao_nacional, s.aliquota_iss) for s in empresa.servicos]
        mei = empresa.regime is Regime.MEI
        return cls(empresa.codigo_municipio, mei, empresa.numero_dps, candidatos_sefin(empresa, nacional), servicos)


def _municipio(perfil: Perfil, nacional: Nacional, relatorio: Relatorio) -> None:
    municipio = perfil.municipio
    nome = nome_municipio(municipio) or municipio
    try:
        convenio = nacional.parametros.convenio(municipio)
    except (GatewayInacessivel, GatewayIndisponivel) as erro:
        relatorio.linha(False, f"parâmetros municipais indisponíveis: {erro}")
        return
    mei = perfil.mei
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
    for item, codigo_nacional, aliquota in perfil.servicos:
        if not codigo_nacional:
            continue
        try:
            municipal = nacional.parametros.aliquota(municipio, codigo_nacional, relogio.hoje())
        except (GatewayInacessivel, GatewayIndisponivel) as erro:
            relatorio.linha(False, f"alíquota do serviço {item} indisponível: {erro}")
            continue
        if municipal is None or municipal.aliquota is None:
            relatorio.linha(False, f"{nome} não tem alíquota vigente para o serviço {item} (E0310)")
        elif municipal.aliquota != aliquota and not mei:
            click.echo(
                f"• serviço {item}: {nome} aplica {rotulo_aliquota(municipal.aliquota)}, o perfil diz "
                f"{rotulo_aliquota(aliquota)} — a nota sai com a do município; corrija o perfil"
            )
        else:
            relatorio.linha(True, f"serviço {item}: alíquota {rotulo_aliquota(municipal.aliquota)}")


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
    perfil = Perfil.de(empresa, nacional_da_empresa)
    sem_transacao()  # nothing of the database is held while the national system is asked
    if nacional_da_empresa.credencial is None:
        relatorio.linha(False, "a empresa não tem certificado A1: envie-o em Cadastros → Certificados A1")
        raise SystemExit(1)
    base, existente, problemas = sondar_dps(nacional_da_empresa, perfil.candidatos, id_dps)
    for problema in problemas:
        click.echo(f"• {problema}")
    relatorio.linha(base is not None, f"conexão com o certificado da empresa (respondeu: {base or 'nenhuma base'})")
    if base is not None:
        relatorio.linha(
            existente is None,
            f"próximo número da DPS ({perfil.numero_dps}) ainda não usado"
            if existente is None
            else f"o número {perfil.numero_dps} da DPS já gerou a NFS-e {existente.get('chaveAcesso')}: avance o "
            "próximo número da DPS no cadastro da empresa",
        )
    _municipio(perfil, nacional_da_empresa, relatorio)
    if relatorio.faltas:
        click.echo(f"{relatorio.faltas} pendência(s): corrija antes de mudar a empresa para o emissor nacional.")
        raise SystemExit(1)
    click.echo("Tudo certo: a empresa pode emitir pelo emissor nacional.")


COMMANDS = (nacional,)
