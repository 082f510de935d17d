"""Hostile texts for the conversation rules: runs that make a backtracking regular expression retry from every
position (digits and separators, number words, fillers, blanks) or explore every way of splitting a run
("dezoito" is also "dez" + "oito"). Shared by the property test (tests/security/test_regras_lineares.py) and the
benchmark, which prints the worst time per message against ORCAMENTO_MS."""

from __future__ import annotations

from datetime import date

from agentnfe.conversation.escolhas import nome_informado
from agentnfe.conversation.intencoes import ler_intencao
from agentnfe.conversation.regras import extrair

TAMANHO = 4096
"""The longest text stored (and so read) from one WhatsApp message."""
ORCAMENTO_MS = 50
"""What reading one message of TAMANHO characters may cost the worker, whatever it holds."""

PEDACOS = (
    "1", "0", "1.", "1,", "1 ", "1-", "1/", "123.", "1.1,", ",,1", "r$", "r$1", "R$ 1 ", "$1", "1k", "1 e ", "1\t",
    "1\n", "mil ", "um mil e ", "dezoito", "dezoito ", "dezenove", "cem e ", "cento e ", "vinte e ", "e ", "de ",
    "para ", "pra o ", "nota ", "nota de ", "valor de ", "ref ", "cnpj 1", "cpf.", "11.111.111/", "aA", "A1", "x",
    "😀", " ", "A ", "Ab ", "12a", "1o ", "reais ", "centavos ", "r", "\u200b", "٣", ",", ";", ", ", "descrição: ",
)  # fmt: skip
"""Pieces that, repeated, make the runs a backtracking pattern retries; each family is one piece repeated."""


def repetir(pedaco: str, tamanho: int = TAMANHO) -> str:
    return (pedaco * (tamanho // len(pedaco) + 1))[:tamanho]


def familias(tamanho: int = TAMANHO) -> dict[str, str]:
    """One message per piece: the piece repeated to `tamanho` characters."""
    return {pedaco: repetir(pedaco, tamanho) for pedaco in PEDACOS}


def ler(texto: str, hoje: date = date(2026, 12, 7)) -> None:
    """Everything the rules do with one message's text in the worker."""
    extrair(texto, hoje)
    ler_intencao(texto)
    nome_informado(texto)
