"""The tomador's name in a message: after a marker ("cliente:", "tomador:"), after "para", or before the document."""

from __future__ import annotations

import re

from .texto import limpar_espacos, so_palavras
from .trechos import PALAVRAS_DE_BORDA, livre

_NAME_CONNECTORS = {"de", "da", "do", "das", "dos", "e", "em", "&"}
_NAME_SUFFIXES = {"ltda", "me", "eireli", "epp", "mei", "s/a", "sa", "s.a.", "cia", "ltda.", "s.a"}
_NAME_STOP = {
    "cnpj", "cpf", "valor", "vlr", "no", "na", "referente", "ref", "pelo", "pela", "pelos", "pelas", "servico",
    "servicos", "de", "r$", "sobre", "com", "hoje", "amanha", "por", "ref.", "consultoria", "mensalidade", "valor:",
    "nota", "emitir", "que", "desc", "descricao", "total", "obg", "obrigado", "obrigada", "valeu", "vlw", "pfv",
    "desde", "agradeco", "grato", "grata", "att", "abs", "pf", "pls",
}  # fmt: skip
_NAME_EXPLICIT = re.compile(r"\b(?:tomador|cliente|razao social|nome)\s*[:\-]\s*")
_NAME_PARA = re.compile(r"\b(?:para|pra|pro|p/)\s+(?:(?:a|o)\s+)?(?:(?:empresa|cliente|firma)\s+)?")
_NOME_ANTES_DO_DOCUMENTO = re.compile(
    r"\b(?:para|pra|pro|p/)\s+(?:(?:a|o)\s+)?(?P<nome>[a-z][a-z&' ]{2,60}?)\s*,\s*(?:cnpj|cpf)\b"
)
"""A name typed in lowercase is still a name when the document follows it: "para padaria estrela, cnpj …"."""
_ABREVIACOES = {"dr.", "dra.", "sr.", "sra.", "prof.", "profa.", "eng.", "cia."}


def ler_nome(original: str, dobrado: str, ocupados: list[tuple[int, int]]) -> tuple[str, tuple[int, int]] | None:
    """The tomador's name and the span it takes (with its marker), or None."""
    caixa_alta = original.upper() == original
    for pattern, explicito in ((_NAME_EXPLICIT, True), (_NAME_PARA, False)):
        for match in pattern.finditer(dobrado):
            palavras = _palavras_do_nome(original, match.end(), ocupados, explicito, caixa_alta)
            if not explicito and caixa_alta and len(palavras) < 2:
                continue  # "PARA EVENTO": in capitals one word after "para" is not a name
            nome = _nome(original, palavras, caixa_alta) if palavras else None
            if nome:
                return nome, (match.start(), palavras[-1][1])
    antes_do_documento = _NOME_ANTES_DO_DOCUMENTO.search(dobrado)
    if antes_do_documento and livre(antes_do_documento.span("nome"), ocupados):
        nome = _nome(original, [antes_do_documento.span("nome")], caixa_alta)
        if nome:
            return nome, antes_do_documento.span("nome")
    return None


def _nome(original: str, palavras: list[tuple[int, int]], caixa_alta: bool) -> str | None:
    nome = limpar_espacos(original[palavras[0][0] : palavras[-1][1]]).strip(".")
    if so_palavras(nome) in PALAVRAS_DE_BORDA or len(nome) < 2:
        return None
    return nome.title() if caixa_alta else nome


def _palavras_do_nome(
    original: str, inicio: int, ocupados: list[tuple[int, int]], explicito: bool, caixa_alta: bool
) -> list[tuple[int, int]]:
    """The spans of the name's words from `inicio`: capitalized words and connectors; after a marker
    ("cliente:") a name typed all in lowercase too."""
    palavras: list[tuple[int, int]] = []
    minusculo = False
    for token in re.finditer(r"[^\s,;:\n()]+", original[inicio:]):
        texto_token = token.group(0)
        span = (inicio + token.start(), inicio + token.end())
        if not livre(span, ocupados) or re.search(r"\d", texto_token):
            break
        if re.search(r"[,;:\n]", original[palavras[-1][1] if palavras else inicio : span[0]]):
            break
        folded = so_palavras(texto_token) or texto_token
        conector = folded in _NAME_CONNECTORS and bool(palavras)
        if folded in _NAME_STOP and not conector:
            break
        if texto_token != "&" and not re.search(r"[^\W\d_]", texto_token):
            break  # an emoji or a symbol ends the name
        if not palavras:
            minusculo = explicito and texto_token[:1].islower()
        maiuscula = texto_token[:1].isupper() or caixa_alta or minusculo or folded in _NAME_SUFFIXES
        if not maiuscula and not conector:
            break
        palavras.append(span)
        if len(palavras) == 8 or (texto_token.endswith(".") and texto_token.lower() not in _ABREVIACOES):
            break
    while palavras and (so_palavras(original[palavras[-1][0] : palavras[-1][1]]) or "&") in _NAME_CONNECTORS:
        palavras.pop()
    return palavras
