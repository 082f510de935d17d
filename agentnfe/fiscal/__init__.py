"""Fiscal building blocks: documents (CPF/CNPJ), money (BRL), phones, localities, service codes."""

from .competencia import CompetenciaInvalida, parse_competencia
from .documents import Documento, DocumentoInvalido, formatar_documento, parse_cnpj, parse_documento
from .localidades import LocalidadeInvalida, nome_municipio, parse_cep, parse_codigo_municipio, parse_uf
from .money import ValorInvalido, formatar_brl, parse_valor
from .phones import TelefoneInvalido, formatar_telefone, normalizar_telefone
from .servicos import ServicoInvalido, parse_aliquota, parse_codigo_servico

__all__ = [
    "CompetenciaInvalida",
    "Documento",
    "DocumentoInvalido",
    "LocalidadeInvalida",
    "ServicoInvalido",
    "TelefoneInvalido",
    "ValorInvalido",
    "formatar_brl",
    "formatar_documento",
    "formatar_telefone",
    "nome_municipio",
    "normalizar_telefone",
    "parse_aliquota",
    "parse_cep",
    "parse_cnpj",
    "parse_codigo_municipio",
    "parse_codigo_servico",
    "parse_competencia",
    "parse_documento",
    "parse_uf",
    "parse_valor",
]
