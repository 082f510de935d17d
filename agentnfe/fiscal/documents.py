"""CPF and CNPJ (numeric and alphanumeric): cleaning, check-digit validation, display format."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

from .tipos import TipoDocumento

_SEPARATORS = re.compile(r"[\s./\-]")
_CPF = re.compile(r"\d{11}")
_CNPJ = re.compile(r"[0-9A-Z]{12}\d{2}")


class DocumentoInvalido(ValueError):
    """The text is not a valid CPF or CNPJ; str() is a PT-BR sentence for the user."""


@dataclass(frozen=True)
class Documento:
    numero: str
    tipo: TipoDocumento

    @property
    def formatado(self) -> str:
        return formatar_documento(self.numero)

    @property
    def rotulo(self) -> str:
        return "CPF" if self.tipo is TipoDocumento.CPF else "CNPJ"


def limpar(texto: str) -> str:
    """Drop dots, slashes, dashes and spaces; letters of an alphanumeric CNPJ become uppercase."""
    return _SEPARATORS.sub("", texto or "").upper()


def _all_equal(numero: str) -> bool:
    return len(set(numero)) == 1


def cpf_valido(texto: str) -> bool:
    numero = limpar(texto)
    return bool(_CPF.fullmatch(numero)) and not _all_equal(numero) and stdnum_cpf.is_valid(numero)


def cnpj_valido(texto: str) -> bool:
    numero = limpar(texto)
    return bool(_CNPJ.fullmatch(numero)) and not _all_equal(numero) and stdnum_cnpj.is_valid(numero)


def tipo_provavel(numero: str) -> TipoDocumento | None:
    """The document type a cleaned string has the shape of, whatever its check digits."""
    if _CPF.fullmatch(numero):
        return TipoDocumento.CPF
    if _CNPJ.fullmatch(numero):
        return TipoDocumento.CNPJ
    return None


def parse_documento(texto: str) -> Documento:
    """Return the validated document or raise DocumentoInvalido explaining what is wrong."""
    numero = limpar(texto)
    tipo = tipo_provavel(numero)
    if tipo is None:
        raise DocumentoInvalido(f"{texto.strip()!s} não parece um CPF (11 dígitos) nem um CNPJ (14 caracteres).")
    valido = cpf_valido(numero) if tipo is TipoDocumento.CPF else cnpj_valido(numero)
    documento = Documento(numero, tipo)
    if not valido:
        raise DocumentoInvalido(f"O {documento.rotulo} {documento.formatado} é inválido, confira os dígitos.")
    return documento


def parse_cnpj(texto: str) -> str:
    """The cleaned CNPJ, or DocumentoInvalido (a CPF is refused too)."""
    documento = parse_documento(texto)
    if documento.tipo is not TipoDocumento.CNPJ:
        raise DocumentoInvalido(f"{documento.formatado} é um CPF; aqui é preciso um CNPJ.")
    return documento.numero


def formatar_documento(numero: str) -> str:
    """`12.345.678/0001-95`, `12.ABC.345/01DE-35` or `123.456.789-09`; anything else as given."""
    numero = limpar(numero)
    tipo = tipo_provavel(numero)
    if tipo is TipoDocumento.CPF:
        return f"{numero[:3]}.{numero[3:6]}.{numero[6:9]}-{numero[9:]}"
    if tipo is TipoDocumento.CNPJ:
        return f"{numero[:2]}.{numero[2:5]}.{numero[5:8]}/{numero[8:12]}-{numero[12:]}"
    return numero


def _mod11(valores: list[int], pesos: list[int]) -> int:
    resto = sum(v * p for v, p in zip(valores, pesos, strict=True)) % 11
    return 0 if resto < 2 else 11 - resto


def completar_cpf(base: str) -> str:
    """Append the two check digits to 9 digits."""
    valores = [int(c) for c in base]
    for tamanho in (10, 11):
        valores.append(_mod11(valores, list(range(tamanho, 1, -1))))
    return "".join(map(str, valores))


def completar_cnpj(base: str) -> str:
    """Append the two check digits to 12 characters (digits or, since 2026, uppercase letters)."""
    valores = [ord(c) - 48 for c in base.upper()]
    pesos = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    primeiro = _mod11(valores, pesos)
    segundo = _mod11(valores + [primeiro], [6] + pesos)
    return f"{base.upper()}{primeiro}{segundo}"
