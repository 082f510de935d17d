"""States (UF), IBGE municipality codes (with their names, municipios.tsv) and CEPs."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

UF_IBGE = {
    "RO": "11", "AC": "12", "AM": "13", "RR": "14", "PA": "15", "AP": "16", "TO": "17",
    "MA": "21", "PI": "22", "CE": "23", "RN": "24", "PB": "25", "PE": "26", "AL": "27", "SE": "28", "BA": "29",
    "MG": "31", "ES": "32", "RJ": "33", "SP": "35",
    "PR": "41", "SC": "42", "RS": "43",
    "MS": "50", "MT": "51", "GO": "52", "DF": "53",
}  # fmt: skip


_UF_DO_PREFIXO = {prefixo: uf for uf, prefixo in UF_IBGE.items()}


class LocalidadeInvalida(ValueError):
    """A UF, IBGE code or CEP that cannot be right; str() says why in PT-BR."""


def parse_uf(texto: str) -> str:
    uf = (texto or "").strip().upper()
    if uf not in UF_IBGE:
        raise LocalidadeInvalida(f"UF {texto!r} não existe.")
    return uf


def parse_codigo_municipio(texto: str, uf: str) -> str:
    """A 7-digit IBGE code whose first two digits are the code of `uf` (3550308 is São Paulo/SP)."""
    codigo = (texto or "").strip()
    if not re.fullmatch(r"\d{7}", codigo):
        raise LocalidadeInvalida(f"código de município {texto!r} deve ter 7 dígitos (código IBGE, ex. 3550308).")
    if codigo[:2] != UF_IBGE[uf]:
        raise LocalidadeInvalida(f"código de município {codigo} não pertence a {uf}.")
    if codigo not in _municipios():
        raise LocalidadeInvalida(f"código de município {codigo} não existe na tabela do IBGE.")
    return codigo


def _dobrado(nome: str) -> str:
    sem_acento = unicodedata.normalize("NFKD", nome).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", sem_acento.lower()).split())


@functools.cache
def _por_nome() -> dict[tuple[str, str], str]:
    return {(_dobrado(nome), _UF_DO_PREFIXO[codigo[:2]]): codigo for codigo, nome in _municipios().items()}


def codigo_do_municipio(nome: str | None, uf: str | None) -> str | None:
    """The IBGE code of a município given by name and UF (as CEP services write them: "São Paulo", "SP"), ignoring
    case, accents and punctuation; None when the table has no such município in that UF."""
    if not nome or not uf:
        return None
    return _por_nome().get((_dobrado(nome), uf.strip().upper()))


@functools.cache
def _municipios() -> dict[str, str]:
    """IBGE code → name, read once from the table shipped with the package (its header names the sources)."""
    linhas = (Path(__file__).with_name("municipios.tsv")).read_text(encoding="utf-8").splitlines()
    return dict(linha.split("\t", 1) for linha in linhas if linha and not linha.startswith("#"))


def nome_municipio(codigo: str) -> str | None:
    """`São Paulo/SP` for 3550308; None for a code the IBGE table does not have."""
    nome = _municipios().get(codigo)
    if nome is None:
        return None
    return f"{nome}/{_UF_DO_PREFIXO[codigo[:2]]}"


def parse_cep(texto: str) -> str:
    cep = re.sub(r"[\s.\-]", "", texto or "")
    if not re.fullmatch(r"\d{8}", cep):
        raise LocalidadeInvalida(f"CEP {texto!r} deve ter 8 dígitos.")
    return cep
