"""Admin forms validated by the same rules as the CSV import (agentnfe.cadastros.validacao), errors next to each field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentnfe.cadastros.validacao import EMPRESA, SERVICO, VINCULO, validar_empresa, validar_servico, validar_vinculo


def marcar(form, erros: Mapping[str, str]) -> bool:
    """Put each problem under its field (PT-BR, beside the input); True when there was none."""
    for campo, mensagem in erros.items():
        campo_form = getattr(form, campo, None)
        if mensagem == f"{campo} está vazio":  # the CSV import names the column; beside the field it is known
            if campo_form is not None and campo_form.errors:
                continue
            mensagem = "Preencha este campo."
        if campo_form is not None:
            campo_form.errors = [*campo_form.errors, mensagem]
    return not erros


def _valores(form, regras: Mapping[str, Any]) -> dict[str, Any]:
    return {campo: getattr(form, campo).data for campo in regras if hasattr(form, campo)}


def empresa(form) -> dict[str, Any] | None:
    """Validate an empresa form and its inline service profiles; the clean values, or None (errors marked)."""
    limpos, erros = validar_empresa(_valores(form, EMPRESA))
    valido = marcar(form, {campo: erro for campo, erro in erros.items() if campo != "cnpj"})
    for entrada in getattr(form, "servicos", []) or []:
        if form.servicos.should_delete(entrada):
            continue
        _, erros_servico = validar_servico(_valores(entrada.form, SERVICO), limpos.get("regime"))
        valido = marcar(entrada.form, erros_servico) and valido
    return limpos if valido else None


def limpar_servicos(empresa_modelo) -> None:
    """Store the services' values in their clean form (codes without dots, rates as Decimal)."""
    for servico in empresa_modelo.servicos:
        limpos, _ = validar_servico({campo: getattr(servico, campo) for campo in SERVICO}, empresa_modelo.regime)
        for campo, valor in limpos.items():
            setattr(servico, campo, valor)


def vinculo(form, nome_no_registro: str | None) -> dict[str, Any] | None:
    """Validate a tomador-of-the-empresa form; the clean values, or None (errors marked)."""
    limpos, erros = validar_vinculo(_valores(form, VINCULO), nome_no_registro)
    return limpos if marcar(form, erros) else None
