"""The `extract` command's JSON Lines contract (docs/arquitetura.md §7), one line at a time."""

from __future__ import annotations

import json

from agentnfe.infra.relogio import hoje

from .extrator import ler

VAZIO = {
    "id": None,
    "documento": None,
    "tipo_documento": None,
    "valor": None,
    "descricao": None,
    "nome_tomador": None,
    "fonte": "regras",
    "erros": [],
}


def extrair_linha(linha: bytes, usar_llm: bool) -> dict:
    """One output object for one input line; every key is always present."""
    try:
        registro = json.loads(linha.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {**VAZIO, "erros": ["entrada_invalida"]}
    if not isinstance(registro, dict):
        return {**VAZIO, "erros": ["entrada_invalida"]}
    identificador = registro.get("id")
    identificador = None if identificador is None else str(identificador)
    if not isinstance(registro.get("text"), str):
        return {**VAZIO, "id": identificador, "erros": ["entrada_invalida"]}
    leitura = ler(registro["text"], hoje(), usar_llm=usar_llm)
    extracao = leitura.extracao
    return {
        "id": identificador,
        "documento": extracao.documento.numero if extracao.documento else None,
        "tipo_documento": extracao.documento.tipo.value if extracao.documento else None,
        "valor": str(extracao.valor) if extracao.valor is not None else None,
        "descricao": extracao.descricao,
        "nome_tomador": extracao.nome_tomador,
        "fonte": leitura.fonte,
        "erros": leitura.erros,
    }
