"""Where the ISS of a service is due (LC 116/2003 art. 3º): the prestador's establishment as a rule, the place of
the service or the tomador's establishment for the items the law lists — per national service code, as the
official table of the national NFS-e says (incidencia.tsv, its header names the source)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Regra(Enum):
    PRESTADOR = "EP"
    LOCAL_DA_PRESTACAO = "LP"
    TOMADOR = "ET"
    SEM_INCIDENCIA = "-"


ONDE = {
    Regra.PRESTADOR: "município do prestador",
    Regra.LOCAL_DA_PRESTACAO: "local da prestação",
    Regra.TOMADOR: "município do tomador",
}


@functools.cache
def _tabela() -> dict[str, Regra]:
    linhas = Path(__file__).with_name("incidencia.tsv").read_text(encoding="utf-8").splitlines()
    pares = (linha.split("\t") for linha in linhas if linha and not linha.startswith(("#", "ctribnac")))
    return {codigo: Regra(regra) for codigo, regra in pares}


def regra(codigo_tributacao_nacional: str | None, codigo_servico: str | None = None) -> Regra:
    """The rule of a cTribNac (6 digits); without one, of the LC 116 subitem (`NN.NN`: every desdobro of a subitem
    shares its rule in the table, the first is taken); the general rule (prestador) when neither is known."""
    tabela = _tabela()
    if codigo_tributacao_nacional and codigo_tributacao_nacional in tabela:
        return tabela[codigo_tributacao_nacional]
    subitem = (codigo_servico or "").replace(".", "")
    if len(subitem) == 4:
        for codigo, achada in tabela.items():
            if codigo.startswith(subitem):
                return achada
    return Regra.PRESTADOR


@dataclass(frozen=True)
class Incidencia:
    regra: Regra
    municipio: str | None
    """IBGE code of the município the ISS is due to; None without incidence or when the tomador's is unknown."""


def incidencia(regra_do_servico: Regra, prestador: str, prestacao: str | None, tomador: str | None) -> Incidencia:
    """The município of incidence of one note, from the service's rule and the three places it may be."""
    municipio = {
        Regra.PRESTADOR: prestador,
        Regra.LOCAL_DA_PRESTACAO: prestacao or prestador,
        Regra.TOMADOR: tomador,
        Regra.SEM_INCIDENCIA: None,
    }[regra_do_servico]
    return Incidencia(regra_do_servico, municipio or None)


def do_servico(
    codigo_tributacao_nacional: str | None,
    codigo_servico: str | None,
    prestador: str,
    prestacao: str | None,
    tomador: str | None,
) -> Incidencia:
    """The município of incidence of a note of this service (`regra`, then `incidencia`)."""
    return incidencia(regra(codigo_tributacao_nacional, codigo_servico), prestador, prestacao, tomador)


def da_nota(nota, tomador: str | None) -> Incidencia:
    """The incidence of a stored note (its service, its empresa's município and its place of service), given the
    tomador's município as the caller knows it."""
    servico = nota.servico
    return do_servico(
        servico.codigo_tributacao_nacional, servico.codigo_servico, nota.empresa.codigo_municipio,
        nota.codigo_municipio_prestacao, tomador,
    )  # fmt: skip
