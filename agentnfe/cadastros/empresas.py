"""Empresas: the one writer of empresa, servico_empresa and usuario_empresa (docs/arquitetura.md §8).

The CSV import, the admin's forms and emission pass values already validated (agentnfe.cadastros.validacao);
these operations add and flush, and never commit: the entry point owns the transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from agentnfe.fiscal.regras_nacionais import Apuracao
from agentnfe.infra.extensions import db
from agentnfe.models import Empresa, NFSe, NomeGateway, Regime, RegimeEspecial, ServicoEmpresa, UsuarioEmpresa

from .validacao import SERVICO, validar_servico


def nova(contabilidade_id: int, cnpj: str) -> Empresa:
    """A new empresa of the firm (by id: going through `firma.empresas` would load that collection)."""
    empresa = Empresa(cnpj=cnpj, contabilidade_id=contabilidade_id)
    db.session.add(empresa)
    return empresa


def novo(modelo: type) -> Any:
    """A new empresa, phone or service for the admin's create form, added to the session."""
    registro = modelo()
    db.session.add(registro)
    return registro


def preencher(registro: Any, valores: Mapping[str, Any], pular_nulos: bool = False) -> None:
    """Set clean values on an empresa, phone or service (`pular_nulos`: a blank keeps the stored value)."""
    for campo, valor in valores.items():
        if valor is not None or not pular_nulos:
            setattr(registro, campo, valor)


def preencher_do_formulario(form, registro: Any) -> None:
    """What the admin's form says (inline services included) onto the record."""
    form.populate_obj(registro)


def excluir(registro: Any) -> None:
    db.session.delete(registro)


def harmonizar(empresa: Empresa) -> None:
    """Keep the special regime in step with the regime: a MEI is always `mei`, nobody else is. A new MEI issues on
    the national NFS-e unless told otherwise (Res. CGSN 169/2022 makes it the MEI's road)."""
    if empresa.regime is Regime.MEI:
        empresa.regime_especial = RegimeEspecial.MEI
        if empresa.id is None and empresa.gateway is None:
            empresa.gateway = NomeGateway.NACIONAL
    elif empresa.regime_especial is RegimeEspecial.MEI:
        empresa.regime_especial = RegimeEspecial.NENHUM
    if empresa.regime is not Regime.SIMPLES_NACIONAL:
        empresa.aliquota_simples_iss = empresa.aliquota_simples_total = None
        empresa.apuracao_simples = int(Apuracao.SIMPLES)
    if empresa.regime not in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL):
        empresa.percentual_tributos_federais = empresa.percentual_tributos_estaduais = None
        empresa.percentual_tributos_municipais = None


def limpar_servicos(empresa: Empresa) -> None:
    """Store the services' values in their clean form (codes without dots, rates as Decimal)."""
    for servico in empresa.servicos:
        limpos, _ = validar_servico({campo: getattr(servico, campo) for campo in SERVICO}, empresa.regime)
        preencher(servico, limpos)


def servico_padrao(empresa: Empresa, valores: Mapping[str, Any]) -> ServicoEmpresa:
    """The empresa's default service, created when it has none, with the given values (blanks keep)."""
    servico = next((s for s in empresa.servicos if s.padrao), None)
    if servico is None:
        servico = ServicoEmpresa(padrao=True, iss_retido=False)
        empresa.servicos.append(servico)
    preencher(servico, valores, pular_nulos=True)
    return servico


def trocar_telefones(empresa: Empresa, numeros: list[str]) -> None:
    """Replace the phone list, keeping existing rows (and their names) for numbers that stay."""
    atuais = {telefone.telefone: telefone for telefone in empresa.telefones}
    empresa.telefones = [atuais.get(numero) or UsuarioEmpresa(telefone=numero) for numero in numeros]


def ativar(empresa: Empresa, ativa: bool) -> None:
    empresa.ativa = ativa


def marcar_cadastrada_no_gateway(empresa_id: int, instante: datetime) -> None:
    """The gateway registered the empresa (the first time is kept)."""
    empresa = db.session.get(Empresa, empresa_id)
    empresa.cadastrada_gateway_em = empresa.cadastrada_gateway_em or instante


def avancar_numero_dps(empresa_id: int) -> tuple[str, int]:
    """Take the empresa's next DPS number: (série, number). The UPDATE holds the empresa row's lock (PostgreSQL) or
    the database's single writer (SQLite) until the caller's transaction ends."""
    serie, proximo = db.session.execute(
        sa.update(Empresa)
        .where(Empresa.id == empresa_id)
        .values(numero_dps=Empresa.numero_dps + 1)
        .returning(Empresa.serie_dps, Empresa.numero_dps)
        .execution_options(synchronize_session=False)
    ).one()
    return serie, proximo - 1


def pular_numeros_usados(empresa_id: int) -> None:
    """Move the empresa's DPS counter past the highest number its série already used."""
    usado = (
        sa.select(sa.func.max(NFSe.numero_dps))
        .where(NFSe.empresa_id == Empresa.id, NFSe.serie_dps == Empresa.serie_dps)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Empresa)
        .where(Empresa.id == empresa_id, Empresa.numero_dps <= usado)
        .values(numero_dps=usado + 1)
        .execution_options(synchronize_session=False)
    )
