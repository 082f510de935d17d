"""The competência (the month a service was rendered) as people type it: `10/2026`, `2026-10`, `10-2026`."""

from __future__ import annotations

import re
from datetime import date


class CompetenciaInvalida(ValueError):
    """Not a month; str() says how to write one, in PT-BR."""


def parse_competencia(texto: str) -> date:
    """The first day of the month `texto` names: `10/2026`, `10.2026`, `2026-10` or `2026-10-15` → 2026-10-01."""
    limpo = (texto or "").strip()
    achado = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", limpo) or re.fullmatch(
        r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", limpo
    )
    if achado:
        a, b = achado.groups()
        mes, ano = (int(a), int(b)) if len(b) == 4 else (int(b), int(a))
        if 1 <= mes <= 12 and 1900 < ano < 2200:
            return date(ano, mes, 1)
    raise CompetenciaInvalida(f"Competência {limpo!r} não é um mês: use mm/aaaa, por exemplo 10/2026.")
