"""Service codes (LC 116 item, national cTribNac, NBS, IBS/CBS classification) and ISS rates."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ALIQUOTA_MINIMA = Decimal("2")
ALIQUOTA_MAXIMA = Decimal("5")
ITENS_SEM_PISO = frozenset({"07.02", "07.05", "16.01"})
"""LC 116/2003 art. 8-A §1 (LC 157/2016): the only items whose municipal rate may be below 2 %."""


class ServicoInvalido(ValueError):
    """A service code or ISS rate that cannot be right; str() says why in PT-BR."""


def parse_codigo_servico(texto: str) -> str:
    """`NN.NN` from `1.07`, `01.07` or `0107`; the item must exist in the LC 116 list (01 to 40)."""
    bruto = (texto or "").strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{2})", bruto) or re.fullmatch(r"(\d{2})(\d{2})", bruto)
    if not match or not 1 <= int(match[1]) <= 40 or int(match[2]) == 0:
        raise ServicoInvalido(f"código de serviço {texto!r} inválido (use o item da LC 116, ex. 01.07).")
    return f"{int(match[1]):02d}.{match[2]}"


def _percentual(texto: str, rotulo: str, maximo: Decimal = ALIQUOTA_MAXIMA) -> Decimal:
    bruto = str(texto if texto is not None else "").strip().rstrip("%").strip().replace(",", ".")
    try:
        aliquota = Decimal(bruto)
    except InvalidOperation:
        raise ServicoInvalido(f"{rotulo} {texto!r} não é um número.") from None
    if not aliquota.is_finite() or not 0 <= aliquota <= maximo:
        raise ServicoInvalido(f"{rotulo} {texto!r} fora do intervalo de 0 a {maximo:n}%.")
    if aliquota != aliquota.quantize(Decimal("0.0001")):
        raise ServicoInvalido(f"{rotulo} {texto!r} tem casas decimais demais (máximo 4).")
    return aliquota.quantize(Decimal("0.0001"))


def parse_aliquota(texto, *, mei: bool, codigo_servico: str | None = None) -> Decimal:
    """Municipal ISS rate of a service, 2 to 5 % (LC 116 art. 8-A and 8 II); 0 only for MEI (ISS in the DAS).

    Below 2 % only for MEI or the items 7.02, 7.05 and 16.01.
    """
    aliquota = _percentual(texto, "alíquota de ISS")
    if aliquota == 0 and not mei:
        raise ServicoInvalido("alíquota de ISS 0 só vale para MEI.")
    if 0 < aliquota < ALIQUOTA_MINIMA and not mei and codigo_servico not in ITENS_SEM_PISO:
        raise ServicoInvalido(
            f"alíquota de ISS {texto!r} abaixo do mínimo de 2% (LC 116, art. 8-A); só os itens 7.02, 7.05 e 16.01 "
            "podem ter menos. No Simples, a alíquota efetiva vai em aliquota_simples_iss."
        )
    return aliquota


def parse_aliquota_simples(texto) -> Decimal:
    """Effective Simples Nacional ISS rate (LC 123 art. 21 §4): above 0, up to 5 %, may be below 2 %."""
    aliquota = _percentual(texto, "alíquota efetiva do Simples")
    if aliquota == 0:
        raise ServicoInvalido("alíquota efetiva do Simples deve ser maior que 0.")
    return aliquota


def parse_aliquota_simples_total(texto) -> Decimal:
    """The Simples ME/EPP total effective rate of the PGDAS-D (the national DPS's pTotTribSN, TSDec2V2)."""
    aliquota = _percentual(texto, "alíquota total efetiva do Simples", Decimal("99.99"))
    if aliquota == 0:
        raise ServicoInvalido("alíquota total efetiva do Simples deve ser maior que 0.")
    return aliquota


def parse_percentual_tributos(texto) -> Decimal:
    """An approximate tax burden of the Lei 12.741/2012, percent of the service's value (pTotTribFed/Est/Mun)."""
    return _percentual(texto, "percentual de tributos", Decimal(100))


def parse_codigo_tributacao_nacional(texto: str, codigo_servico: str | None = None) -> str:
    """cTribNac, 6 digits: LC 116 item (2) + subitem (2) + national desdobro (2), e.g. `010701` for item 01.07."""
    digitos = re.sub(r"[\s.\-]", "", texto or "")
    if not re.fullmatch(r"\d{6}", digitos) or not 1 <= int(digitos[:2]) <= 40 or digitos[2:4] == "00":
        raise ServicoInvalido(
            f"código de tributação nacional {texto!r} inválido (6 dígitos: item, subitem e desdobro, ex. 010701)."
        )
    if codigo_servico and digitos[:4] != codigo_servico.replace(".", ""):
        raise ServicoInvalido(
            f"código de tributação nacional {digitos} não corresponde ao item {codigo_servico} da LC 116."
        )
    return digitos


def codigo_numerico(texto, digitos: int, rotulo: str, exemplo: str) -> str:
    """A code of exactly `digitos` digits, typed with or without dots, dashes or spaces."""
    limpo = re.sub(r"[\s./\-]", "", str(texto or ""))
    if not re.fullmatch(rf"\d{{{digitos}}}", limpo):
        raise ServicoInvalido(f"{rotulo} {texto!r} inválido ({digitos} dígitos, ex. {exemplo}).")
    return limpo


def parse_nbs(texto: str) -> str:
    """NBS code, 9 digits (`1.0101.10.00` or `101011000`)."""
    return codigo_numerico(texto, 9, "código NBS", "1.0101.10.00")


def formatar_nbs(nbs: str) -> str:
    return f"{nbs[0]}.{nbs[1:5]}.{nbs[5:7]}.{nbs[7:9]}"


def parse_cst_ibscbs(texto: str) -> str:
    """CST of IBS/CBS, 3 digits (`000`)."""
    return codigo_numerico(texto, 3, "CST do IBS/CBS", "000")


def parse_cclass_trib(texto: str) -> str:
    """cClassTrib of IBS/CBS, 6 digits (`000001`)."""
    return codigo_numerico(texto, 6, "cClassTrib", "000001")
