"""Rules first; the LLM only for required fields the rules could not read in a message that carries them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..fiscal import DocumentoInvalido, ValorInvalido, parse_documento, parse_valor
from . import llm
from .intencoes import Intencao
from .rascunho import OBRIGATORIOS
from .regras import Extracao, extrair

_SEM_CONTEUDO = {
    Intencao.AJUDA,
    Intencao.CONFIRMAR,
    Intencao.CANCELAR,
    Intencao.CANCELAR_NOTA,
    Intencao.NOVA,
    Intencao.SAUDACAO,
}


@dataclass
class Leitura:
    """A message read by the rules and, when needed, the LLM."""

    extracao: Extracao
    fonte: str = "regras"
    chamada: llm.ChamadaLLM | None = None
    erros: list[str] = field(default_factory=list)
    precisava_llm: bool = False


def precisa_llm(extracao: Extracao, conhecidos: set[str]) -> bool:
    """True when a required field is ambiguous, or missing while the text shows signs of carrying it."""
    if extracao.intencao in _SEM_CONTEUDO:
        return False
    if extracao.ambiguos:
        return True
    faltando = {c for c in OBRIGATORIOS if getattr(extracao, c) is None and c not in conhecidos}
    return bool(faltando & set(extracao.sinais))


def _completar(extracao: Extracao, campos: llm.CamposLLM, leitura: Leitura) -> None:
    """Fill only what the rules left empty or ambiguous, validated by the same rules."""
    usados = False
    if extracao.documento is None and campos.documento and not extracao.documento_invalido:
        try:
            extracao.documento = parse_documento(campos.documento)
            usados = True
        except DocumentoInvalido as erro:
            extracao.documento_invalido = str(erro)
    if extracao.valor is None and campos.valor:
        try:
            extracao.valor = parse_valor(campos.valor)
            usados = True
        except ValorInvalido:
            leitura.erros.append("valor_invalido")
    for nome in ("descricao", "nome_tomador"):
        valor = (getattr(campos, nome) or "").strip()
        if getattr(extracao, nome) is None and valor:
            setattr(extracao, nome, valor[:500])
            usados = True
    extracao.ambiguos = [c for c in extracao.ambiguos if getattr(extracao, c) is None]
    if usados:
        leitura.fonte = "llm"


def perguntar(texto: str, conhecidos: set[str], timeout: float | None = None) -> llm.ChamadaLLM | None:
    """Ask the LLM for the message's fields (None when no LLM is configured); never inside a transaction."""
    cliente = llm.extrator()
    if cliente is None:
        return None
    return cliente.extrair(texto, {c: c in conhecidos for c in OBRIGATORIOS}, timeout=timeout)


def complementar(
    extracao: Extracao,
    conhecidos: set[str] = frozenset(),
    chamada: llm.ChamadaLLM | None = None,
    perguntou: bool = True,
) -> Leitura:
    """Complete the rules' reading with the LLM's answer (`chamada`, asked with `perguntar` when `precisa_llm`);
    `conhecidos` are fields the draft already has, `perguntou` whether the LLM was to be asked at all."""
    leitura = Leitura(extracao, chamada=chamada)
    leitura.precisava_llm = precisa_llm(extracao, set(conhecidos))
    if leitura.precisava_llm and perguntou:
        if chamada is None or chamada.campos is None:
            leitura.erros.append("llm_indisponivel")
        else:
            _completar(extracao, chamada.campos, leitura)
    if extracao.documento is None and extracao.documento_ilegivel and not extracao.documento_invalido:
        extracao.documento_invalido = (
            f"Não consegui ler o documento {extracao.documento_ilegivel}: o CNPJ tem 14 caracteres e o CPF 11 "
            "dígitos. Confira."
        )
    if extracao.documento_invalido:
        leitura.erros.insert(0, "documento_invalido")
    if extracao.valor_invalido and extracao.valor is None and "valor_invalido" not in leitura.erros:
        leitura.erros.append("valor_invalido")
    return leitura


def ler(texto: str, hoje: date, usar_llm: bool = True) -> Leitura:
    """Read a standalone message (the `extract` command): rules, then the LLM when needed."""
    extracao = extrair(texto, hoje)
    chamada = perguntar(texto, set()) if usar_llm and precisa_llm(extracao, set()) else None
    return complementar(extracao, chamada=chamada, perguntou=usar_llm)
