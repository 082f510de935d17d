"""Every value the back-office shows or exports as the firm reads it (agentnfe.rotulos), chosen by the value's
type and the column's name: Flask-Admin's type formatters for lists, details and exports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import Flask
from flask_admin.model.typefmt import dict_formatter, empty_formatter, list_formatter
from markupsafe import Markup

from agentnfe import planilha, rotulos
from agentnfe.fiscal import formatar_brl, formatar_telefone


def _data_hora(view, valor: datetime, nome: str) -> str:
    return rotulos.data_hora(valor)


def _data(view, valor: date, nome: str) -> str:
    return rotulos.competencia(valor) if nome.endswith("competencia") else rotulos.data(valor)


def _decimal(view, valor: Decimal, nome: str) -> str:
    """Rates (`aliquota…`) as `2,5 %`; every other decimal of the domain is money."""
    return rotulos.aliquota(valor) if "aliquota" in nome else formatar_brl(valor)


def _decimal_planilha(view, valor: Decimal, nome: str) -> str:
    return planilha.numero(valor)


def _enum(view, valor: Enum, nome: str) -> str:
    return rotulos.rotulo(valor)


def _texto(view, valor: str, nome: str) -> str:
    """Stored phones and IBGE codes (digits) as people read them; any other text, and formatted HTML, as is."""
    if isinstance(valor, Markup) or not valor.isdigit():
        return valor
    if nome.endswith("telefone"):
        return formatar_telefone(valor)
    if nome.endswith("codigo_municipio") or nome.endswith("municipio_prestacao"):
        return rotulos.municipio(valor)
    return valor


def _sim_nao(view, valor: bool, nome: str) -> str:
    return rotulos.sim_nao(valor)


def _sim_nao_icone(view, valor: bool, nome: str) -> Markup:
    cor, texto = ("success", "Sim") if valor else ("light", "Não")
    return Markup('<span class="badge badge-{}">{}</span>').format(cor, texto)


_COMUNS = {
    type(None): empty_formatter,
    Enum: _enum,  # before str: the vocabularies are StrEnums
    datetime: _data_hora,  # before date: a datetime is a date
    date: _data,
    Decimal: _decimal,
    str: _texto,
    list: list_formatter,
    dict: dict_formatter,
}
LISTA = {bool: _sim_nao_icone, **_COMUNS}
DETALHES = {bool: _sim_nao, **_COMUNS}
EXPORTACAO = {bool: _sim_nao, **_COMUNS, Decimal: _decimal_planilha}


def registrar_filtros(app: Flask) -> None:
    """The same formats in the admin's own templates: `{{ nota.valor|brl }}`, `{{ m.criado_em|data_hora }}`…"""
    app.add_template_filter(rotulos.data_hora, "data_hora")
    app.add_template_filter(rotulos.data, "data")
    app.add_template_filter(rotulos.competencia, "competencia")
    app.add_template_filter(rotulos.rotulo, "rotulo")
    app.add_template_filter(rotulos.aliquota, "aliquota")
    app.add_template_filter(rotulos.municipio, "municipio")
    app.add_template_filter(formatar_brl, "brl")
    app.add_template_filter(rotulos.dolares, "usd")
    app.add_template_filter(formatar_telefone, "telefone")
