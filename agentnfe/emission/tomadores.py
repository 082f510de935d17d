"""Completing a tomador with its registration data before emission (BrasilAPI, in the task)."""

from __future__ import annotations

import logging

from ..extensions import db
from ..integrations import brasilapi
from ..models import ClienteTomador, FonteTomador, TipoDocumento

log = logging.getLogger(__name__)


def completar(tomador: ClienteTomador, forcar: bool = False) -> bool:
    """Fill a CNPJ tomador never looked up (or again, `forcar`); False when BrasilAPI could not answer."""
    if tomador.tipo_documento is TipoDocumento.CPF or (tomador.fonte is FonteTomador.BRASILAPI and not forcar):
        return True
    try:
        dados = brasilapi.consultar_cnpj(tomador.documento, usar_cache=not forcar)
    except brasilapi.ConsultaFalhou as erro:
        log.warning("tomador %s kept as given: %s", tomador.documento, erro)
        return False
    for campo in (
        "razao_social", "nome_fantasia", "email", "logradouro", "numero", "complemento", "bairro", "cep",
        "municipio", "uf", "situacao_cadastral",
    ):  # fmt: skip
        valor = getattr(dados, campo)
        if valor:
            setattr(tomador, campo, valor[:200])
    if dados.codigo_municipio_ibge:
        tomador.codigo_municipio = dados.codigo_municipio_ibge
    tomador.fonte = FonteTomador.BRASILAPI
    db.session.commit()
    return True
