"""An inbound message as any channel delivers it: what a webhook parser produces and the engine stores.

Whatever a provider sends is checked here before it is stored: an instance name is a plain identifier (it
goes into outbound URL paths), ids fit their column, and text is cleaned (no NUL, no lone surrogates) and
cut to TEXTO_MAXIMO characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Provider, TipoMensagem

TEXTO_MAXIMO = 4096
ID_MAXIMO = 128
INSTANCIA = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
"""An instance name (Evolution) or phone number id (Meta): starts with a letter or digit, never a slash."""


class EntradaInvalida(ValueError):
    """A field of the message cannot be stored as it came (answered with 400, nothing stored)."""


@dataclass(frozen=True)
class Entrada:
    """An inbound message as any provider delivers it."""

    provider: Provider
    instance: str
    provider_id: str | None
    telefone: str
    tipo: TipoMensagem
    texto: str | None
    usuario_id: int | None = None
    """The admin user, for a message typed in the simulator (its own sessions, its firm's empresas only)."""

    def __post_init__(self):
        instancia(self.instance)
        if self.provider_id is not None and identificador(self.provider_id) is None:
            raise EntradaInvalida(f"id da mensagem vazio, inválido ou com mais de {ID_MAXIMO} caracteres")
        object.__setattr__(self, "texto", texto_limpo(self.texto))


def instancia(nome: str) -> str:
    """The name itself when it is a plain identifier (or empty); raises EntradaInvalida otherwise."""
    if nome and not INSTANCIA.fullmatch(nome):
        raise EntradaInvalida("instance inválida: use letras, números, ponto, hífen ou sublinhado (até 100)")
    return nome


def _imprimivel(valor: str) -> bool:
    """Printable text that any database and cache key can hold (no control characters, no lone surrogates)."""
    return valor.isprintable() and valor.encode("utf-8", "surrogatepass").decode("utf-8", "ignore") == valor


def identificador(valor, maximo: int = ID_MAXIMO) -> str | None:
    """A provider's id as text (a number is accepted), or None when it is not one: empty, over `maximo`
    characters, or holding what no database or cache key takes."""
    if isinstance(valor, int) and not isinstance(valor, bool):
        valor = str(valor)
    if not isinstance(valor, str) or not 0 < len(valor) <= maximo or not _imprimivel(valor):
        return None
    return valor


def texto_limpo(texto: str | None) -> str | None:
    """Text that any database stores: NUL removed, lone surrogates replaced, cut to TEXTO_MAXIMO characters."""
    if texto is None:
        return None
    texto = texto.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return texto[:TEXTO_MAXIMO]
