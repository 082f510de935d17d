"""Single values read out of what an external service answered, whatever shape it gave them."""

from __future__ import annotations


def texto(valor, maximo: int | None = None) -> str | None:
    """Text or a number as text, stripped and cut to `maximo`; blank or any other shape (list, object,
    boolean) is no value at all."""
    if isinstance(valor, bool) or not isinstance(valor, str | int):
        return None
    return str(valor).strip()[:maximo] or None
