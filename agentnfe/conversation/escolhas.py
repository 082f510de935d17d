"""Reading the user's answers to the bot's questions: an option from a list, a typed name, a fitting service."""

from __future__ import annotations

import re

from agentnfe.cadastros.perfis import PerfilEmpresa, PerfilServico

from .texto import so_palavras

_PREFIXO_NOME = re.compile(
    r"^(?:(?:o|a)\s+)?(?:nome(?:\s+completo)?(?:\s+d[oa]\s+(?:cliente|tomador))?\s*(?:é|e|eh|:|-)?|"
    r"(?:ele|ela)?\s*se\s+chama|chama(?:-se)?|é)\s+",
    re.IGNORECASE,
)
_CONECTORES = {"de", "da", "do", "das", "dos", "e"}


def nome_informado(texto: str) -> str | None:
    """A person's or company's name typed as an answer ("Maria da Silva", "o nome é João Souza"), or None."""
    limpo = " ".join(texto.split()).strip(" .,!;:")
    limpo = _PREFIXO_NOME.sub("", limpo, count=1).strip(" .,!;:")
    if re.search(r"\d", limpo) or len(re.findall(r"[^\W\d_]", limpo)) < 3 or len(limpo) > 200:
        return None
    if limpo.islower():
        limpo = " ".join(p if p in _CONECTORES else p[:1].upper() + p[1:] for p in limpo.split())
    return limpo


def opcao(texto: str, opcoes: list, nome):
    """The option chosen by its number in the list or by (part of) its name, when unambiguous."""
    resposta = so_palavras(texto)
    numero = re.fullmatch(r"(?:opcao |numero |a |o )?(\d{1,2})", resposta)
    if numero:
        indice = int(numero.group(1)) - 1
        return opcoes[indice] if 0 <= indice < len(opcoes) else None
    if len(resposta) < 3:
        return None
    casam = [o for o in opcoes if resposta in so_palavras(nome(o)) or so_palavras(nome(o)) in resposta]
    return casam[0] if len(casam) == 1 else None


def servicos_candidatos(empresa: PerfilEmpresa, descricao: str) -> list[PerfilServico]:
    """Services whose keywords appear in the description; the padrão one when none (or only it) fits."""
    texto = f" {so_palavras(descricao)} "
    casam = [s for s in empresa.servicos if any(f" {so_palavras(p)} " in texto for p in s.palavras_chave)]
    if casam:
        return casam
    padrao = [s for s in empresa.servicos if s.padrao]
    return padrao or list(empresa.servicos)
