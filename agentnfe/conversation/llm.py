"""LLM fallback extractor: one OpenAI-compatible client per process, output validated like the rules'."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import httpx
from flask import Flask, current_app
from openai import OpenAI, OpenAIError
from pydantic import BaseModel, ValidationError, field_validator

from agentnfe.infra import metricas, resultados
from agentnfe.infra.transacao import TransacaoAberta
from agentnfe.integrations.http import TransporteVigiado

from ..integrations.entrada import TEXTO_MAXIMO

log = logging.getLogger(__name__)
EXTENSION_KEY = "agentnfe.llm"
DEFAULT_TIMEOUT = 20.0
CAMPO_MAXIMO = 2000

SYSTEM_PROMPT = (
    "Você extrai dados de pedidos de nota fiscal de serviço (NFS-e) escritos em português no WhatsApp. "
    "Responda só com os campos pedidos. documento: CPF ou CNPJ do tomador (cliente) exatamente como escrito, "
    "ou null. nome_tomador: nome do cliente se dito, ou null. valor: valor da nota em reais como número com "
    'ponto decimal, por exemplo "1500.00", ou null; contagens (horas, sessões) e datas não são o valor. '
    "descricao: o serviço prestado, curto, sem saudações nem o valor ou o documento, ou null. intencao: "
    "emitir (pedido de nota), confirmar, corrigir, cancelar, ajuda ou outro. Nunca invente dados ausentes."
)


class CamposLLM(BaseModel):
    documento: str | None
    nome_tomador: str | None
    valor: str | None
    descricao: str | None
    intencao: Literal["emitir", "confirmar", "corrigir", "cancelar", "ajuda", "outro"] | None

    @field_validator("documento", "nome_tomador", "valor", "descricao")
    @classmethod
    def _curto(cls, valor: str | None) -> str | None:
        """A model may answer anything: no field is longer than the longest a note can hold."""
        return valor[:CAMPO_MAXIMO] if valor else valor


@dataclass
class ChamadaLLM:
    """One call: what came back (None on failure), its cost and latency."""

    campos: CamposLLM | None
    tokens_in: int = 0
    tokens_out: int = 0
    ms: int = 0
    erro: str | None = None


def custo_usd(tokens_in: int, tokens_out: int, precos: Mapping) -> Decimal:
    """What `tokens_in` prompt and `tokens_out` completion tokens cost at the configured US$ per million."""
    return (
        Decimal(tokens_in) * Decimal(precos["LLM_PRICE_INPUT_PER_MTOK"])
        + Decimal(tokens_out) * Decimal(precos["LLM_PRICE_OUTPUT_PER_MTOK"])
    ) / 1_000_000


class ExtratorLLM:
    def __init__(
        self,
        api_key: str,
        base_url: str | None,
        model: str,
        timeout: float = DEFAULT_TIMEOUT,
        precos: Mapping | None = None,
    ):
        self.model = model
        self.timeout = timeout
        self.precos = precos or {"LLM_PRICE_INPUT_PER_MTOK": "0", "LLM_PRICE_OUTPUT_PER_MTOK": "0"}
        self.client = OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=1,
            http_client=httpx.Client(timeout=timeout, transport=TransporteVigiado("openai")),
        )

    def extrair(self, texto: str, conhecidos: dict, timeout: float | None = None) -> ChamadaLLM:
        """Ask the model for the fields of `texto`; `conhecidos` are the fields the conversation already has."""
        contexto = json.dumps({k: v for k, v in conhecidos.items() if v}, ensure_ascii=False)
        mensagens = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Dados já conhecidos: {contexto}\nMensagem: {texto[:TEXTO_MAXIMO]}"},
        ]
        inicio = time.monotonic()
        try:
            resposta = self.client.chat.completions.parse(
                model=self.model,
                messages=mensagens,
                response_format=CamposLLM,
                temperature=0,
                timeout=min(timeout or self.timeout, self.timeout),
            )
        except (OpenAIError, ValidationError, ValueError) as erro:
            if isinstance(erro.__cause__, TransacaoAberta):
                raise erro.__cause__ from None  # a bug of the caller, not an outage of the model
            return self._contabilizar(ChamadaLLM(None, ms=_ms(inicio), erro=f"{type(erro).__name__}: {erro}"))
        uso = resposta.usage
        chamada = ChamadaLLM(
            None,
            tokens_in=uso.prompt_tokens if uso else 0,
            tokens_out=uso.completion_tokens if uso else 0,
            ms=_ms(inicio),
        )
        mensagem = resposta.choices[0].message if resposta.choices else None
        if mensagem is None or mensagem.refusal or mensagem.parsed is None:
            chamada.erro = f"recusa: {mensagem.refusal}" if mensagem and mensagem.refusal else "resposta vazia"
        else:
            chamada.campos = mensagem.parsed
        return self._contabilizar(chamada)

    def _contabilizar(self, chamada: ChamadaLLM) -> ChamadaLLM:
        if chamada.erro:
            log.warning("LLM extraction failed after %d ms: %s", chamada.ms, chamada.erro)
        resultados.anotar("llm", not chamada.erro)
        custo = custo_usd(chamada.tokens_in, chamada.tokens_out, self.precos)
        metricas.llm(not chamada.erro, chamada.ms / 1000, chamada.tokens_in, chamada.tokens_out, custo)
        return chamada


def _ms(inicio: float) -> int:
    return int((time.monotonic() - inicio) * 1000)


def init_app(app: Flask) -> None:
    """Build the process's client when a key is configured; otherwise say once that rules run alone."""
    if app.config["OPENAI_API_KEY"]:
        app.extensions[EXTENSION_KEY] = ExtratorLLM(
            app.config["OPENAI_API_KEY"],
            app.config["OPENAI_BASE_URL"],
            app.config["OPENAI_MODEL"],
            app.config["OPENAI_TIMEOUT"],
            {chave: app.config[chave] for chave in ("LLM_PRICE_INPUT_PER_MTOK", "LLM_PRICE_OUTPUT_PER_MTOK")},
        )
    else:
        app.extensions[EXTENSION_KEY] = None
        log.info("OPENAI_API_KEY is not set: extraction runs on rules only")


def extrator() -> ExtratorLLM | None:
    return current_app.extensions.get(EXTENSION_KEY)


def estado() -> str:
    """Health of the LLM for /healthz: disabled, or the outcome of the last call (ok before any call)."""
    if extrator() is None:
        return "disabled"
    return resultados.ultimo("llm")
