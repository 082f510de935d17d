"""Phone numbers as E.164 digits; Brazilian mobiles always carry the 9th digit (5511987654321)."""

from __future__ import annotations

import re

DDDS = frozenset(
    int(ddd)
    for ddd in (
        "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 "
        "51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 "
        "91 92 93 94 95 96 97 98 99"
    ).split()
)


class TelefoneInvalido(ValueError):
    """Not a phone number we can message; str() says why in PT-BR."""


def _brasileiro(ddd: str, local: str, original: str) -> str:
    if int(ddd) not in DDDS:
        raise TelefoneInvalido(f"O DDD {ddd} do telefone {original} não existe.")
    if len(local) == 8 and local[0] in "6789":
        local = "9" + local  # mobile that arrived without the 9th digit
    if len(local) == 9 and local[0] != "9":
        raise TelefoneInvalido(f"O telefone {original} tem 9 dígitos mas não começa com 9.")
    if len(local) == 8 and local[0] not in "2345":
        raise TelefoneInvalido(f"O telefone {original} não é um número válido.")
    return f"55{ddd}{local}"


def normalizar_telefone(texto: str) -> str:
    """Digits with country code; accepts +, 55, 0 trunk prefix, punctuation and a missing 9th digit."""
    original = (texto or "").strip()
    digits = re.sub(r"\D", "", original.split("@", 1)[0])
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) in (11, 12):
        digits = digits[1:]
    if len(digits) in (10, 11) and not original.startswith("+"):
        return _brasileiro(digits[:2], digits[2:], original)
    if len(digits) in (12, 13) and digits.startswith("55"):
        return _brasileiro(digits[2:4], digits[4:], original)
    if 8 <= len(digits) <= 15 and not digits.startswith(("0", "55")):
        return digits
    raise TelefoneInvalido(f"{original or 'Vazio'}: não é um telefone válido (use DDD e número, ex. 11 98765-4321).")


def formatar_telefone(numero: str) -> str:
    """`+55 (11) 98765-4321` for Brazilian numbers, `+<digits>` otherwise."""
    if numero.startswith("55") and len(numero) in (12, 13):
        local = numero[4:]
        return f"+55 ({numero[2:4]}) {local[:-4]}-{local[-4:]}"
    return f"+{numero}"
