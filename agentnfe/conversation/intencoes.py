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


# A yes or a no is read from the whole message: every word must belong to these vocabularies (any other word is
# content — a correction — never a confirmation), and a negation anywhere wins over a yes.
_SIM_FORTE = {
    "sim", "s", "ss", "ok", "okay", "okk", "confirmo", "confirma", "confirmado", "confirmar", "pode", "isso", "certo",
    "certinho", "correto", "manda", "emite", "emitir", "emita", "gera", "gerar", "beleza", "blz", "perfeito", "yes",
    "fechado", "positivo", "bora", "exato", "exatamente", "show", "top", "claro", "uhum", "aham", "acordo", "segue",
    "tranquilo", "massa", "otimo", "joia",
}  # fmt: skip
_SIM_FRACO = {
    "mesmo", "ai", "ta", "esta", "tudo", "mandar", "ver", "bala", "ser", "vai", "vamos", "la", "de", "e", "o", "a",
    "com", "certeza", "pode", "por", "favor", "obrigado", "obrigada", "obg", "brigado", "valeu", "vlw", "pfv", "pf",
    "grato", "grata", "agradeco", "opa", "oi", "entao", "pra", "para", "mim", "ja", "agora", "nota", "ela", "essa",
    "emissao", "fazer", "faz", "fazendo", "pronto", "bem", "muito", "bom", "boa", "perfeitamente", "sim",
}  # fmt: skip
_NEGACOES = {
    "nao", "n", "errado", "errada", "incorreto", "incorreta", "negativo", "nope", "no", "pera", "perai", "espera",
    "espere", "aguarda", "aguarde", "calma", "momento", "ainda", "falta", "faltou", "mas", "porem",
}  # fmt: skip
_SIM_EMOJI = ("👍", "✅", "👌", "✔", "🆗", "👏")
_NAO_EMOJI = ("👎", "❌", "✋", "🚫")
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
    resposta = _sim_ou_nao(palavras, bruto)
    if resposta is not None:
        return resposta, None
    if re.match(r"^nao\b", palavras):
        return Intencao.NEGAR, None
    if _SAUDACOES.fullmatch(palavras) or re.fullmatch(rf"(?:{_SAUDACOES.pattern}\s*)+", palavras):
        return Intencao.SAUDACAO, None
    return None, None


def _sim_ou_nao(palavras: str, bruto: str) -> Intencao | None:
    """A yes or a no made only of yes/no words, politeness and emoji; a negation anywhere wins."""
    tokens = palavras.split()
    if any(t not in _SIM_FORTE | _SIM_FRACO | _NEGACOES for t in tokens):
        return None
    if any(t in _NEGACOES for t in tokens) or any(e in bruto for e in _NAO_EMOJI):
        return Intencao.NEGAR if tokens or any(e in bruto for e in _NAO_EMOJI) else None
    if any(t in _SIM_FORTE for t in tokens) or any(e in bruto for e in _SIM_EMOJI):
        return Intencao.CONFIRMAR
    return None
