"""The tomador's address a national note needs (E0235 CNPJ tomador, E0237 withheld ISS, E0234 ISS due where the
tomador is) when neither the registry nor the firm has it: the bot asks the CEP and the number, and BrasilAPI's CEP
service (looked up before the run, outside any transaction) gives the street, the neighbourhood and the city."""

from __future__ import annotations

import re

from ..fiscal import nome_municipio
from ..integrations import brasilapi

CEP = re.compile(r"(?<!\d)(\d{2})\.?(\d{3})[-. ]?(\d{3})(?!\d)")
SEM_NUMERO = re.compile(r"\b(s\s*/\s*n|sem\s+n[uú]mero)\b", re.IGNORECASE)
NUMERO = re.compile(r"(?<![\d/])(\d{1,6})(\s?[a-zA-Z](?![a-zA-Z]))?(?![\d/])")


def ceps(texto: str) -> list[str]:
    """Every CEP written in a text (`01310-100`, `01310100`, `01.310-100` read as 8 digits)."""
    return ["".join(partes) for partes in CEP.findall(texto or "")]


def ler(texto: str) -> tuple[str | None, str | None]:
    """(CEP, number) of an answer such as "01310-100, 1000", "cep 01310100 nº 12 A" or "01310-100 s/n"."""
    texto = texto or ""
    encontrado = CEP.search(texto)
    if encontrado is None:
        return None, None
    resto = texto[: encontrado.start()] + " " + texto[encontrado.end() :]
    cep = "".join(encontrado.groups())
    if SEM_NUMERO.search(resto):
        return cep, "S/N"
    numero = NUMERO.search(resto)
    return cep, (numero[1] + (numero[2] or "").strip().upper()) if numero else None


def do_cep(cep: str, numero: str) -> dict:
    """The address to keep on the firm's link to the tomador: the street from the CEP when the lookup found it,
    else the CEP and the number only (the accountant completes the rest before the note is sent)."""
    dados = brasilapi.cep_em_cache(cep)
    endereco = {"cep": cep, "numero": numero}
    if dados is not None and dados.codigo_municipio:
        endereco |= {"logradouro": dados.logradouro, "bairro": dados.bairro,
                     "codigo_municipio": dados.codigo_municipio, "uf": dados.uf}  # fmt: skip
    return {campo: valor for campo, valor in endereco.items() if valor}


def completo(endereco: dict | None) -> bool:
    return bool(endereco) and all(
        endereco.get(c) for c in ("logradouro", "numero", "bairro", "cep", "codigo_municipio")
    )


def linha(endereco: dict) -> str:
    """The espelho's line of the address the user gave."""
    cep = f"{endereco['cep'][:5]}-{endereco['cep'][5:]}"
    if not completo(endereco):
        return (
            f"Endereço do cliente: CEP {cep}, nº {endereco['numero']} — não consegui consultar este CEP agora; a "
            "contabilidade completa a rua antes de emitir"
        )
    cidade = nome_municipio(endereco["codigo_municipio"]) or endereco["codigo_municipio"]
    rua = f"{endereco['logradouro']}, {endereco['numero']}"
    return f"Endereço do cliente: {rua} — {endereco['bairro']}, {cidade}, CEP {cep}"
