"""BrasilAPI CNPJ lookup: one pooled client, results cached for 24 h, outages reported, never fatal."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from flask import Flask, current_app

from ..extensions import cache
from .http import novo_cliente, registrar

log = logging.getLogger(__name__)
EXTENSION_KEY = "agentnfe.brasilapi"
TTL = 24 * 3600
PAUSA_APOS_FALHA = 600
"""After a failed lookup the conversation does not ask BrasilAPI about that CNPJ again for 10 minutes."""


@dataclass(frozen=True)
class DadosCNPJ:
    cnpj: str
    razao_social: str | None
    nome_fantasia: str | None
    email: str | None
    logradouro: str | None
    numero: str | None
    complemento: str | None
    bairro: str | None
    cep: str | None
    municipio: str | None
    codigo_municipio_ibge: str | None
    uf: str | None
    situacao_cadastral: str | None


class ConsultaFalhou(Exception):
    """The lookup did not answer (429, 5xx, timeout, 404): retry later or continue with what is known."""


def init_app(app: Flask) -> None:
    registrar(app, EXTENSION_KEY, novo_cliente(app.config["BRASILAPI_URL"], timeout=app.config["HTTP_TIMEOUT"]))


def _texto(valor) -> str | None:
    valor = str(valor).strip() if valor is not None else ""
    return valor or None


def _chave(cnpj: str) -> str:
    return f"brasilapi:cnpj:{cnpj}"


def em_cache(cnpj: str) -> DadosCNPJ | None:
    """What an earlier lookup of this CNPJ found, without calling BrasilAPI (None when unknown)."""
    try:
        return cache.get(_chave(cnpj))
    except Exception:
        log.warning("cache unavailable for CNPJ lookups", exc_info=True)
        return None


def falhou_ha_pouco(cnpj: str) -> bool:
    """Whether a lookup of this CNPJ failed in the last minutes (BrasilAPI down, or a CNPJ it does not know)."""
    try:
        return bool(cache.get(f"brasilapi:falha:{cnpj}"))
    except Exception:
        return False


def consultar_cnpj(cnpj: str, usar_cache: bool = True, timeout: float | None = None) -> DadosCNPJ:
    """Registration data of a CNPJ; raises ConsultaFalhou when BrasilAPI cannot say (a 404 included)."""
    chave = _chave(cnpj)
    guardado = em_cache(cnpj) if usar_cache else None
    if guardado is not None:
        return guardado
    try:
        corpo = _pedir(cnpj, timeout)
    except ConsultaFalhou:
        try:
            cache.set(f"brasilapi:falha:{cnpj}", True, timeout=PAUSA_APOS_FALHA)
        except Exception:
            log.debug("could not remember the failed lookup", exc_info=True)
        raise
    ibge = _texto(corpo.get("codigo_municipio_ibge"))
    dados = DadosCNPJ(
        cnpj=cnpj,
        razao_social=_texto(corpo.get("razao_social")),
        nome_fantasia=_texto(corpo.get("nome_fantasia")),
        email=_texto(corpo.get("email")),
        logradouro=_texto(corpo.get("logradouro")),
        numero=_texto(corpo.get("numero")),
        complemento=_texto(corpo.get("complemento")),
        bairro=_texto(corpo.get("bairro")),
        cep=_texto(corpo.get("cep")),
        municipio=_texto(corpo.get("municipio")),
        codigo_municipio_ibge=ibge.zfill(7) if ibge else None,
        uf=_texto(corpo.get("uf")),
        situacao_cadastral=_texto(corpo.get("descricao_situacao_cadastral")),
    )
    cache.set(chave, dados, timeout=TTL)
    return dados


def _pedir(cnpj: str, timeout: float | None) -> dict:
    cliente: httpx.Client = current_app.extensions[EXTENSION_KEY]
    opcoes = {"timeout": httpx.Timeout(timeout, connect=min(timeout, 5.0))} if timeout else {}
    try:
        resposta = cliente.get(f"/api/cnpj/v1/{cnpj}", **opcoes)
    except httpx.HTTPError as erro:
        raise ConsultaFalhou(f"BrasilAPI unreachable: {type(erro).__name__}") from None
    if resposta.status_code != 200:
        raise ConsultaFalhou(f"BrasilAPI answered HTTP {resposta.status_code} for CNPJ {cnpj}")
    try:
        corpo = resposta.json()
    except ValueError:
        raise ConsultaFalhou("BrasilAPI answered something that is not JSON") from None
    if not isinstance(corpo, dict) or not corpo.get("razao_social"):
        raise ConsultaFalhou("BrasilAPI answered without a razão social")
    return corpo
