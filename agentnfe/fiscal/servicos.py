"""Service codes of the LC 116 list and ISS rates."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ALIQUOTA_MAXIMA = Decimal("5")


class ServicoInvalido(ValueError):
    """A service code or ISS rate that cannot be right; str() says why in PT-BR."""


def parse_codigo_servico(texto: str) -> str:
    """`NN.NN` from `1.07`, `01.07` or `0107`; the item must exist in the LC 116 list (01 to 40)."""
    bruto = (texto or "").strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{2})", bruto) or re.fullmatch(r"(\d{2})(\d{2})", bruto)
    if not match or not 1 <= int(match[1]) <= 40 or int(match[2]) == 0:
        raise ServicoInvalido(f"código de serviço {texto!r} inválido (use o item da LC 116, ex. 01.07).")
    return f"{int(match[1]):02d}.{match[2]}"


def parse_aliquota(texto: str, *, mei: bool) -> Decimal:
    """ISS rate in percent, dot or comma, 0 to 5; zero only for MEI (ISS paid in the DAS)."""
    bruto = (texto or "").strip().rstrip("%").strip().replace(",", ".")
    try:
        aliquota = Decimal(bruto)
    except InvalidOperation:
        raise ServicoInvalido(f"alíquota de ISS {texto!r} não é um número.") from None
    if not aliquota.is_finite() or not 0 <= aliquota <= ALIQUOTA_MAXIMA:
        raise ServicoInvalido(f"alíquota de ISS {texto!r} fora do intervalo de 0 a 5%.")
    if aliquota == 0 and not mei:
        raise ServicoInvalido("alíquota de ISS 0 só vale para MEI.")
    if aliquota != aliquota.quantize(Decimal("0.0001")):
        raise ServicoInvalido(f"alíquota de ISS {texto!r} tem casas decimais demais (máximo 4).")
    return aliquota.quantize(Decimal("0.0001"))
