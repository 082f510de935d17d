"""What the product knows today of each município's convênio with the national NFS-e system, kept in the cache for
a day (docs/arquitetura.md §5, NACIONAL_PARAMETROS_URL). Written by whoever read the parameters (the national gateway's
parametros.py, `nacional verificar`, the daily task); read where no external call may happen — the admin's and the
import's validation, the DPS builder."""

from __future__ import annotations

import logging
from decimal import Decimal

from agentnfe.infra import relogio
from agentnfe.infra.extensions import cache

log = logging.getLogger(__name__)
VALIDADE = 24 * 3600
NAO_LIDO = False
"""What `conhecido` answers for a município nobody asked about today."""


def _chave(municipio: str) -> str:
    return f"nacional:convenio:{municipio}:{relogio.hoje().isoformat()}"


def guardar(municipio: str, dados: dict | None) -> None:
    """The convênio as read (`{"ativo", "emissor_nacional", "base"}`), or None: the município has none."""
    try:
        cache.set(_chave(municipio), dados or {}, timeout=VALIDADE)
    except Exception:  # noqa: BLE001 - any cache backend failure: the next read asks again
        log.warning("cache unavailable: the convênio of %s is not kept", municipio, exc_info=True)


def conhecido(municipio: str) -> dict | None | bool:
    """The convênio read today (a dict), None when the município has none, NAO_LIDO when nobody asked today."""
    try:
        guardado = cache.get(_chave(municipio))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable: the convênio of %s is unknown", municipio, exc_info=True)
        return NAO_LIDO
    if not isinstance(guardado, dict):
        return NAO_LIDO
    return guardado or None


def guardar_aliquota(municipio: str, codigo_tributacao_nacional: str, aliquota: Decimal | None) -> None:
    """The município's rate for a service, as its parameters said today (None: none in force)."""
    try:
        valor = str(aliquota) if aliquota is not None else ""
        cache.set(f"{_chave(municipio)}:aliquota:{codigo_tributacao_nacional}", valor, timeout=VALIDADE)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable: the rate of %s in %s is not kept", codigo_tributacao_nacional, municipio)


def aliquota_conhecida(municipio: str | None, codigo_tributacao_nacional: str | None) -> Decimal | None:
    """The município's rate for the service read today, or None (not read, or none in force)."""
    if not municipio or not codigo_tributacao_nacional:
        return None
    try:
        valor = cache.get(f"{_chave(municipio)}:aliquota:{codigo_tributacao_nacional}")
    except Exception:  # noqa: BLE001
        return None
    return Decimal(valor) if valor else None


def aliquota_vigente(aliquota_do_perfil: Decimal, municipio: str | None, codigo_tributacao_nacional: str | None):
    """The município's own rate for the service when read today (Sefin applies it: E0617, E0635), else the
    profile's."""
    conhecida = aliquota_conhecida(municipio, codigo_tributacao_nacional)
    return aliquota_do_perfil if conhecida is None else conhecida


def sem_convenio_ativo(municipio: str) -> bool:
    """True only when today's read says the município has no active convênio (unknown is not a no)."""
    dados = conhecido(municipio)
    return dados is None or (isinstance(dados, dict) and not dados.get("ativo"))
