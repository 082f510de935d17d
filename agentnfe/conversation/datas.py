"""The month and the day of the service in a message: "referente a março", "competência 11/2026", "mês passado",
"prestado em 15/11", "dia 5 de novembro" (read on the folded text: lowercase, without accents)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .regras import Extracao

MESES = {
    "janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3, "abril": 4, "abr": 4,
    "maio": 5, "mai": 5, "junho": 6, "jun": 6, "julho": 7, "jul": 7, "agosto": 8, "ago": 8,
    "setembro": 9, "set": 9, "outubro": 10, "out": 10, "novembro": 11, "nov": 11, "dezembro": 12, "dez": 12,
}  # fmt: skip
_MES_NOMES = "janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
ANO_ANTES = re.compile(rf"(?:\bem|\bano(?: de)?|\b(?:{_MES_NOMES})(?: de)?)\s+$")
_COMPETENCIA = re.compile(
    rf"\b(?:de|do mes de|mes de|referente a|ref\.?|competencia|comp\.?|em)\s+(?P<mes>{_MES_NOMES})(?:\s*(?:de|/)\s*(?P<ano>\d{{4}}))?\b"
    rf"|\b(?:competencia|comp\.?|ref\.?|referente a)\s*:?\s*(?P<mm>\d{{1,2}})/(?P<aaaa>\d{{4}})\b"
    rf"|\b(?P<rel>mes passado|mes anterior|este mes|esse mes|mes atual)\b"
)

_DIA_DO_SERVICO = re.compile(
    rf"\b(?:no dia|dia|em|prestad[oa]s? em|realizad[oa]s? em|feit[oa]s? em|executad[oa]s? em)\s+"
    rf"(?:(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<a>\d{{4}}|\d{{2}}))?"
    rf"|(?P<d2>\d{{1,2}})\s+de\s+(?P<mes>{_MES_NOMES})(?:\s+de\s+(?P<a2>\d{{4}}))?)\b"
)


def ler_dia_do_servico(dobrado: str, hoje: date, resultado: Extracao) -> list[tuple[int, int]]:
    """The day of the service, if the message says it; its month becomes the competência. Returns its span (kept
    in the description, but never read as a value)."""
    achado = _DIA_DO_SERVICO.search(dobrado)
    if achado is None:
        return []
    dia = int(achado["d"] or achado["d2"])
    mes = int(achado["m"]) if achado["m"] else MESES[achado["mes"]]
    ano_dito = achado["a"] or achado["a2"]
    ano = (int(ano_dito) + (2000 if len(ano_dito) == 2 else 0)) if ano_dito else hoje.year
    try:
        dito = date(ano, mes, dia)
        if not ano_dito and dito > hoje:
            dito = dito.replace(year=ano - 1)
    except ValueError:
        return [achado.span()]
    if dito > hoje:
        resultado.competencia_invalida = (
            f"A data do serviço {dito:%d/%m/%Y} é depois de hoje: a nota é de um serviço já prestado."
        )
    elif dito.year >= 2000:
        resultado.data_servico, resultado.competencia = dito, dito.replace(day=1)
    return [achado.span()]


def ler_competencia(dobrado: str, hoje: date, ocupados: list[tuple[int, int]], resultado: Extracao) -> None:
    match = _COMPETENCIA.search(dobrado)
    if not match:
        return
    if match.group("rel"):
        ano, mes = (hoje.year, hoje.month)
        if "passado" in match.group("rel") or "anterior" in match.group("rel"):
            ano, mes = (ano - 1, 12) if mes == 1 else (ano, mes - 1)
        resultado.competencia = date(ano, mes, 1)
        ocupados.append(match.span())
        return
    if match.group("mm"):
        mes, ano = int(match.group("mm")), int(match.group("aaaa"))
        ocupados.append(match.span())
    else:
        mes = MESES[match.group("mes")]
        ano = int(match.group("ano")) if match.group("ano") else (hoje.year if mes <= hoje.month else hoje.year - 1)
    if not (1 <= mes <= 12 and 2000 <= ano <= hoje.year + 1):
        return
    if date(ano, mes, 1) > date(hoje.year, hoje.month, 1):
        resultado.competencia_invalida = (
            f"A competência {mes:02d}/{ano} é posterior ao mês atual: a competência é o mês em que o serviço foi "
            "prestado, este mês ou um anterior."
        )
        return
    resultado.competencia = date(ano, mes, 1)
