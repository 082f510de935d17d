"""BrasilAPI CNPJ lookup: one pooled client, results cached for 24 h, outages reported, never fatal; every answer
is read into a typed record whose fields fit the registry's columns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from flask import Flask, current_app

from agentnfe.infra.extensions import cache

from ..fiscal.localidades import codigo_do_municipio
from ..models import ClienteTomador
from .http import guardar_cliente, novo_cliente
from .valores import texto

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
    guardar_cliente(
        app, EXTENSION_KEY, novo_cliente("brasilapi", app.config["BRASILAPI_URL"], timeout=app.config["HTTP_TIMEOUT"])
    )


def _digitos(valor, tamanho: int) -> str | None:
    """A code made of digits (CEP, IBGE), zero-padded to its size; anything else is unknown."""
    bruto = texto(valor, 20)
    digitos = "".join(c for c in bruto if c.isdigit()) if bruto else ""
    return digitos.zfill(tamanho) if digitos and len(digitos) <= tamanho else None


def _ler(cnpj: str, corpo: dict) -> DadosCNPJ:
    """The answer as a typed record that fits the registry's columns, whatever BrasilAPI put in each field."""
    largura = {coluna.name: getattr(coluna.type, "length", None) for coluna in ClienteTomador.__table__.columns}
    campos = {
        campo: texto(corpo.get(campo), largura[campo])
        for campo in ("razao_social", "nome_fantasia", "logradouro", "numero", "complemento", "bairro", "municipio")
    }
    email = texto(corpo.get("email"), largura["email"])
    uf = (texto(corpo.get("uf"), 3) or "").upper()
    return DadosCNPJ(
        cnpj=cnpj,
        email=email if email and "@" in email else None,
        cep=_digitos(corpo.get("cep"), 8),
        codigo_municipio_ibge=_digitos(corpo.get("codigo_municipio_ibge"), 7),
        uf=uf if len(uf) == 2 and uf.isalpha() else None,
        situacao_cadastral=texto(corpo.get("descricao_situacao_cadastral"), largura["situacao_cadastral"]),
        **campos,
    )


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
    dados = _ler(cnpj, corpo)
    cache.set(chave, dados, timeout=TTL)
    return dados


@dataclass(frozen=True)
class DadosCEP:
    """A CEP as BrasilAPI's CEP service (v2: cep, state, city, neighborhood, street) says it, with the IBGE code of
    its city from the product's table (the service gives the name only)."""

    cep: str
    logradouro: str | None
    bairro: str | None
    municipio: str | None
    uf: str | None
    codigo_municipio: str | None


def cep_em_cache(cep: str) -> DadosCEP | None:
    try:
        return cache.get(f"brasilapi:cep:{cep}")
    except Exception:
        log.warning("cache unavailable for CEP lookups", exc_info=True)
        return None


def cep_falhou_ha_pouco(cep: str) -> bool:
    return falhou_ha_pouco(f"cep:{cep}")


def consultar_cep(cep: str, timeout: float | None = None) -> DadosCEP:
    """The street of a CEP (cached 30 days); raises ConsultaFalhou when BrasilAPI cannot say (404 included). Fields
    of `/api/cep/v2/{cep}` as public clients read them (docs.rs brasilapi 0.8 src/cep/mod.rs)."""
    guardado = cep_em_cache(cep)
    if guardado is not None:
        return guardado
    cliente: httpx.Client = current_app.extensions[EXTENSION_KEY]
    opcoes = {"timeout": httpx.Timeout(timeout, connect=min(timeout, 5.0))} if timeout else {}
    try:
        try:
            resposta = cliente.get(f"/api/cep/v2/{cep}", **opcoes)
        except httpx.HTTPError as erro:
            raise ConsultaFalhou(f"BrasilAPI unreachable: {type(erro).__name__}") from None
        corpo = resposta.json() if resposta.status_code == 200 else None
        if not isinstance(corpo, dict) or not texto(corpo.get("city"), 100):
            raise ConsultaFalhou(f"BrasilAPI answered HTTP {resposta.status_code} without a city for CEP {cep}")
    except (ConsultaFalhou, ValueError) as erro:
        try:
            cache.set(f"brasilapi:falha:cep:{cep}", True, timeout=PAUSA_APOS_FALHA)
        except Exception:
            log.debug("could not remember the failed lookup", exc_info=True)
        raise ConsultaFalhou(str(erro)) from None
    uf = (texto(corpo.get("state"), 3) or "").upper() or None
    municipio = texto(corpo.get("city"), 100)
    dados = DadosCEP(
        cep, texto(corpo.get("street"), 200), texto(corpo.get("neighborhood"), 100), municipio, uf,
        codigo_do_municipio(municipio, uf),
    )  # fmt: skip
    cache.set(f"brasilapi:cep:{cep}", dados, timeout=30 * TTL)
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
    if not isinstance(corpo, dict) or not texto(corpo.get("razao_social"), 200):
        raise ConsultaFalhou("BrasilAPI answered without a razão social")
    return corpo
