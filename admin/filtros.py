"""List filters in the firm's words and time: vocabularies by their Portuguese names, periods in local time,
and links that open a list already filtered (the dashboard's cards)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app, url_for
from flask_admin.contrib.sqla import filters
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model.filters import convert

from agentnfe import rotulos
from agentnfe.fiscal import CompetenciaInvalida, parse_competencia
from agentnfe.infra import relogio


class ConversorDeFiltros(FilterConverter):
    """Flask-Admin's filters, with each vocabulary's members offered by name (what its filters read back)
    and shown by their Portuguese label."""

    @convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        if not options:
            vocabulario = column.type.enum_class
            options = [(membro.name, rotulos.rotulo(membro)) for membro in vocabulario]
        return [f(column, name, options, **kwargs) for f in self.enum]


FORMATOS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
"""How a period's ends are read: as the Brazilian picker writes them (admin/templates: `07/12/2026 08:00 a
07/12/2026 18:00`), and in ISO for links made before it (`2026-12-07 00:00:00 to 2026-12-07 23:59:59`)."""


def _instantes(value: str) -> list[datetime] | None:
    partes = [p.strip() for p in re.split(r"\s+(?:a|até|to)\s+", value or "", maxsplit=1)]
    lidos = []
    for indice, parte in enumerate(partes):
        for formato in FORMATOS:
            try:
                instante = datetime.strptime(parte, formato)
            except ValueError:
                continue
            if indice == 1 and "%S" not in formato:  # an end given to the day or the minute: all of it
                instante = (
                    instante.replace(second=59) if "%H" in formato else instante.replace(hour=23, minute=59, second=59)
                )
            lidos.append(instante)
            break
        else:
            return None
    return lidos if len(lidos) == 2 and lidos[0] <= lidos[1] else None


class PeriodoLocal(filters.DateTimeBetweenFilter):
    """A period typed in the firm's time zone (as every time the admin shows), compared with UTC timestamps; read in
    the Brazilian form the picker writes, ISO still accepted."""

    def validate(self, value):
        return _instantes(value) is not None

    def clean(self, value):
        return [instante.replace(tzinfo=relogio.fuso()).astimezone(UTC) for instante in _instantes(value)]

    def operation(self):
        return "entre"


class CompetenciaIgual(filters.BaseSQLAFilter):
    """The notes of one competência, typed as the firm writes it (`10/2026`; `2026-10` also read)."""

    def __init__(self, column, name):
        super().__init__(column, name)

    def clean(self, value):
        try:
            return parse_competencia(value)
        except CompetenciaInvalida:
            return None

    def validate(self, value):
        return self.clean(value) is not None

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) == value)

    def operation(self):
        return "igual a (mm/aaaa)"


def periodo(inicio: datetime, fim: datetime) -> str:
    """The value of a `PeriodoLocal` filter for two local instants, as the picker writes it."""
    return f"{inicio:%d/%m/%Y %H:%M} a {fim:%d/%m/%Y %H:%M}"


def vista(endpoint: str):
    """The admin view registered under `endpoint` (for links between lists)."""
    return next(v for v in current_app.extensions["admin"][0]._views if v.endpoint == endpoint)


def url_filtrada(view, *criterios: tuple[str, type, str]) -> str:
    """The list of `view` with filters set, each given as (filter name, filter class, value)."""
    argumentos = {}
    for posicao, (nome, classe, valor) in enumerate(criterios):
        indice = next(i for i, f in enumerate(view._filters) if str(f.name) == nome and type(f) is classe)
        argumentos[f"flt{posicao}_{indice}"] = valor
    return url_for(f"{view.endpoint}.index_view", **argumentos)
