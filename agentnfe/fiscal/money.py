"""BRL amounts as people type them ("R$ 1.500,00", "1,5 mil", "3k", "mil e quinhentos") ↔ Decimal."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAXIMO = Decimal("999999999999.99")  # Numeric(14, 2)


class ValorInvalido(ValueError):
    """The text is not a usable amount; str() is a PT-BR sentence for the user."""


NUMEROS_POR_EXTENSO = {
    "zero": 0, "um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
    "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13, "quatorze": 14,
    "catorze": 14, "quinze": 15, "dezesseis": 16, "dezessete": 17, "dezoito": 18, "dezenove": 19,
    "vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50, "sessenta": 60, "setenta": 70,
    "oitenta": 80, "noventa": 90, "cem": 100, "cento": 100, "duzentos": 200, "duzentas": 200,
    "trezentos": 300, "trezentas": 300, "quatrocentos": 400, "quatrocentas": 400, "quinhentos": 500,
    "quinhentas": 500, "seiscentos": 600, "seiscentas": 600, "setecentos": 700, "setecentas": 700,
    "oitocentos": 800, "oitocentas": 800, "novecentos": 900, "novecentas": 900,
}  # fmt: skip
_THOUSAND = {"mil", "k"}
_MILLION = {"milhao", "milhoes", "mi", "kk"}
_CURRENCY = {"r", "rs", "reais", "real", "brl"}
_TOKEN = re.compile(r"\d[\d.,]*|[a-z]+")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_NEGATIVE = re.compile(r"(?:^|\s)-\s*\d")
_CENTAVOS = re.compile(r"\s*centavos?\s*$")
_REAIS = re.compile(r"\b(?:reais|real)\b(?:\s+e\b)?")


def _fold(texto: str) -> str:
    sem_acento = unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode()
    return sem_acento.lower().strip()


def _numeral(token: str) -> Decimal:
    """One run of digits and separators; a separator before exactly three digits groups thousands."""
    token = token.rstrip(".,")
    if "." in token and "," in token:
        decimal_sep = "." if token.rfind(".") > token.rfind(",") else ","
        inteiro, _, fracao = token.rpartition(decimal_sep)
        thousands_sep = "," if decimal_sep == "." else "."
        if not (_GROUPED.fullmatch(inteiro) or inteiro.isdigit()) or decimal_sep in inteiro or not fracao.isdigit():
            raise ValorInvalido
        return Decimal(inteiro.replace(thousands_sep, "") + "." + fracao)
    if token.isdigit():
        return Decimal(token)
    if _GROUPED.fullmatch(token) and not token.startswith("0") and len({c for c in token if not c.isdigit()}) == 1:
        return Decimal(re.sub(r"[.,]", "", token))
    inteiro, _, fracao = token.replace(",", ".").partition(".")
    if not inteiro.isdigit() or not fracao.isdigit() or "." in fracao:
        raise ValorInvalido
    return Decimal(f"{inteiro}.{fracao}")


def _amount(texto: str) -> Decimal:
    """Sum digits, number words and scale words (mil, k, milhão) of a folded phrase."""
    total = Decimal(0)
    current: Decimal | None = None
    seen_number = False
    for token in _TOKEN.findall(texto):
        if token in _CURRENCY or token == "e":
            continue
        if token in _THOUSAND or token in _MILLION:
            if current is None and token not in {"mil", "milhao", "milhoes"}:
                raise ValorInvalido
            total += (current if current is not None else Decimal(1)) * (1000 if token in _THOUSAND else 1_000_000)
            current, seen_number = None, True
        elif token[0].isdigit():
            if current is not None:
                raise ValorInvalido  # two figures in a row: "1500 300"
            current, seen_number = _numeral(token), True
        elif token in NUMEROS_POR_EXTENSO:
            current = (current or Decimal(0)) + NUMEROS_POR_EXTENSO[token]
            seen_number = True
        else:
            raise ValorInvalido
    if not seen_number:
        raise ValorInvalido
    return total + (current or 0)


def parse_valor(texto: str) -> Decimal:
    """Parse an amount in BRL into a Decimal with 2 places (half-up), refusing ≤ 0 and nonsense."""
    folded = _fold(texto or "").replace("r$", " ")
    if not folded:
        raise ValorInvalido("Não encontrei um valor. Escreva, por exemplo, R$ 1.500,00.")
    if _NEGATIVE.search(folded):
        raise ValorInvalido("O valor da nota precisa ser maior que zero.")
    try:
        if _CENTAVOS.search(folded):
            *reais_part, centavos_part = _REAIS.split(_CENTAVOS.sub("", folded), maxsplit=1)
            reais = _amount(reais_part[0]) if reais_part else Decimal(0)
            centavos = _amount(centavos_part)
            if centavos >= 100 or centavos != centavos.to_integral_value():
                raise ValorInvalido
            valor = reais + centavos / 100
        else:
            valor = _amount(folded)
    except (ValorInvalido, InvalidOperation):
        raise ValorInvalido(f"Não entendi o valor {texto.strip()!r}. Escreva, por exemplo, R$ 1.500,00.") from None
    try:
        valor = valor.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a Decimal holds: far beyond any note
        raise ValorInvalido(f"O valor {texto.strip()[:20]}… é alto demais para uma nota; confira.") from None
    if valor <= 0:
        raise ValorInvalido("O valor da nota precisa ser maior que zero.")
    if valor > MAXIMO:
        raise ValorInvalido(f"O valor {formatar_brl(valor)} é alto demais para uma nota; confira.")
    return valor


def formatar_brl(valor: Decimal) -> str:
    """`R$ 1.500,00`."""
    quantized = Decimal(valor).quantize(CENT, rounding=ROUND_HALF_UP)
    texto = f"{abs(quantized):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{'-' if quantized < 0 else ''}R$ {texto}"
