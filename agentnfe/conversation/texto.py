"""Text helpers shared by the extractors: accent folding and word matching."""

from __future__ import annotations

import re
import unicodedata


def dobrar(texto: str) -> str:
    """Lowercase without accents (ç→c, ã→a), for matching only; never shown to users."""
    sem_acento = unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode()
    return sem_acento.lower()


def limpar_espacos(texto: str) -> str:
    return re.sub(r"\s+", " ", texto).strip()


def so_palavras(texto: str) -> str:
    """Folded text with punctuation and emojis replaced by spaces."""
    return limpar_espacos(re.sub(r"[^a-z0-9 ]", " ", dobrar(texto)))
