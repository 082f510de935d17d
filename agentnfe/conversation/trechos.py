"""Parts of a message already taken by a field (spans), and the words that never start or end one."""

from __future__ import annotations

import re

PALAVRAS_DE_BORDA = {
    "de", "do", "da", "dos", "das", "para", "pra", "e", "com", "o", "a", "os", "as", "no", "na", "em", "por", "um",
    "uma", "ref", "referente", "sobre", "mais", "ao", "ta", "ok", "sim", "nao", "so", "que", "reais", "real", "r",
    "mil", "k", "esse", "essa", "seguinte", "me", "p", "d", "reias", "reis", "sao", "aqui", "pelo", "pela", "tudo", "isso", "certo",
    "correto", "correta", "certa", "fica", "ficou", "sera", "eh", "mas", "entao", "dai", "vai", "pro", "pros", "la",
}  # fmt: skip


def trechos_de(pattern: re.Pattern, texto: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(texto)]


def livre(posicao: tuple[int, int], ocupados: list[tuple[int, int]]) -> bool:
    inicio, fim = posicao
    return all(fim <= a or inicio >= b for a, b in ocupados)


def sem(texto: str, ocupados: list[tuple[int, int]]) -> str:
    """The text with occupied spans blanked out (same length)."""
    chars = list(texto)
    for inicio, fim in ocupados:
        chars[inicio:fim] = " " * (fim - inicio)
    return "".join(chars)
