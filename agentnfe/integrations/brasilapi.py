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


def consultar_cnpj(cnpj: str, usar_cache: bool = True) -> DadosCNPJ:
    """Registration data of a CNPJ; raises ConsultaFalhou when BrasilAPI cannot say (a 404 included)."""
    chave = f"brasilapi:cnpj:{cnpj}"
    guardado = cache.get(chave) if usar_cache else None
    if guardado is not None:
        return guardado
    cliente: httpx.Client = current_app.extensions[EXTENSION_KEY]
    try:
        resposta = cliente.get(f"/api/cnpj/v1/{cnpj}")
    except httpx.HTTPError as erro:
        raise ConsultaFalhou(f"BrasilAPI unreachable: {type(erro).__name__}") from None
    if resposta.status_code != 200:
        raise ConsultaFalhou(f"BrasilAPI answered HTTP {resposta.status_code} for CNPJ {cnpj}")
    try:
        corpo = resposta.json()
    except ValueError:
        raise ConsultaFalhou("BrasilAPI answered something that is not JSON") from None
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
