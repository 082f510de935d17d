"""Cancellation of an authorized NFS-e: the national codes and the reason's length (docs/arquitetura.md §9).

National codes (Padrão Nacional, event e101101): 1 erro na emissão, 2 serviço não prestado, 9 outros; the
reason (xMotivo) has 15 to 255 characters. Gateways map the code to their own (gateways/plugnotas.py).
"""

from __future__ import annotations

CODIGOS = {1: "erro na emissão", 2: "serviço não prestado", 9: "outros"}
MOTIVO_MINIMO, MOTIVO_MAXIMO = 15, 255


class CancelamentoInvalido(ValueError):
    """A cancellation code or reason that cannot be sent; str() says why in PT-BR."""


def validar(codigo, motivo: str) -> tuple[int, str]:
    """A national code (1, 2 or 9) and a reason of 15 to 255 characters, or CancelamentoInvalido."""
    try:
        codigo = int(str(codigo).strip())
    except ValueError:
        codigo = None
    if codigo not in CODIGOS:
        raise CancelamentoInvalido(
            "o código do cancelamento deve ser 1 (erro na emissão), 2 (serviço não prestado) ou 9 (outros)"
        )
    motivo = " ".join((motivo or "").split())
    if not MOTIVO_MINIMO <= len(motivo) <= MOTIVO_MAXIMO:
        raise CancelamentoInvalido(
            f"o motivo do cancelamento deve ter de {MOTIVO_MINIMO} a {MOTIVO_MAXIMO} caracteres (tem {len(motivo)})"
        )
    return codigo, motivo
