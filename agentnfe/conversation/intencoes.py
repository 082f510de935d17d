"""What a message asks for as a whole: confirm, refuse, give up, cancel a note, help, start over, greet."""

from __future__ import annotations

import re
from enum import StrEnum

from .texto import so_palavras


class Intencao(StrEnum):
    CONFIRMAR = "confirmar"
    NEGAR = "negar"
    CANCELAR = "cancelar"
    CANCELAR_NOTA = "cancelar_nota"
    AJUDA = "ajuda"
    NOVA = "nova"
    SAUDACAO = "saudacao"


_SIM = {
    "sim", "s", "ss", "sim sim", "ok", "okay", "ok pode", "confirmo", "confirma", "confirmado", "confirmar",
    "pode emitir", "pode mandar", "pode", "pode sim", "pode ser", "isso", "isso mesmo", "isso ai", "certo",
    "correto", "ta certo", "esta certo", "tudo certo", "manda", "manda ver", "manda bala", "emite", "emitir",
    "pode gerar", "gera", "beleza", "blz", "perfeito", "yes", "sim pode emitir", "sim pode", "sim confirmo",
    "sim esta certo", "sim ta certo", "sim correto", "ok confirmo", "confirmo sim", "fechado", "positivo", "bora",
    "exato", "exatamente", "sim por favor", "sim obrigado", "ok obrigado", "show", "top",
}  # fmt: skip
_SIM_EMOJI = ("👍", "✅", "👌", "✔")
_NAO = {
    "nao",
    "n",
    "nao esta certo",
    "nao ta certo",
    "errado",
    "ta errado",
    "esta errado",
    "nao e isso",
    "negativo",
    "nope",
    "no",
}
_CANCELAR = re.compile(
    r"^(?:nao\s+)?(?:cancela|cancelar|cancele|cancelado|cancelo|desisto|desiste|deixa pra la|deixa para la|deixa quieto|"
    r"esquece|esqueca|nao quero mais|aborta|abortar|para tudo|pare)\b"
)
_CANCELAR_NOTA = re.compile(r"\bcancel\w*\s+(?:a\s+)?(?:nota|nf|nfs-?e)\s*(?:fiscal\s*)?(?:n[o.]?\s*)?(\d+)\b")
_AJUDA = re.compile(r"^(?:ajuda|help|socorro|menu|como funciona|como usar|o que (?:voce|vc) faz|comandos|\?+)$")
_NOVA = re.compile(r"\b(?:nova nota|outra nota|comecar de novo|recomecar|reiniciar|do zero|nova emissao)\b")
_SAUDACOES = re.compile(
    r"\b(?:oi+|ola|opa|eai|e ai|bom dia|boa tarde|boa noite|tudo bem|tudo bom|td bem|blz|beleza|hello|hey)\b"
)


def desiste(palavras: str) -> bool:
    """The words give up the draft ("cancela", "esquece", "deixa pra lá"…)."""
    return bool(_CANCELAR.match(palavras))


def ler_intencao(bruto: str) -> tuple[Intencao | None, str | None]:
    """The message's intention, and the note's number when it asks to cancel one."""
    palavras = so_palavras(bruto)
    cancelar_nota = _CANCELAR_NOTA.search(palavras)
    if cancelar_nota:
        return Intencao.CANCELAR_NOTA, cancelar_nota.group(1)
    if _AJUDA.match(palavras) or (not palavras and bruto.strip().startswith("?")):
        return Intencao.AJUDA, None
    if _NOVA.search(palavras):
        return Intencao.NOVA, None
    if desiste(palavras):
        return Intencao.CANCELAR, None
    if palavras in _SIM or (not palavras and any(e in bruto for e in _SIM_EMOJI)):
        return Intencao.CONFIRMAR, None
    if palavras in _NAO or re.match(r"^nao\b", palavras):
        return Intencao.NEGAR, None
    if _SAUDACOES.fullmatch(palavras) or re.fullmatch(rf"(?:{_SAUDACOES.pattern}\s*)+", palavras):
        return Intencao.SAUDACAO, None
    return None, None
