"""CSV import of empresas (docs/arquitetura.md §7): validated per row, upserted by CNPJ, bad rows reported."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from agentnfe import contas
from agentnfe.cadastros import empresas
from agentnfe.cadastros.validacao import EMPRESA, SERVICO, validar_empresa, validar_servico
from agentnfe.fiscal import TelefoneInvalido, normalizar_telefone
from agentnfe.models import Contabilidade, Empresa

REQUIRED = (
    "contabilidade", "cnpj", "razao_social", "inscricao_municipal", "codigo_municipio",
    "uf", "regime", "codigo_servico", "aliquota_iss", "telefones",
)  # fmt: skip
OPTIONAL = (
    "cep", "email", "codigo_tributacao_municipal", "cnae", "iss_retido",
    "logradouro", "numero", "complemento", "bairro", "codigo_tributacao_nacional", "regime_especial",
    "aliquota_simples_iss", "gateway", "serie_dps", "numero_dps", "nbs", "cst_ibscbs", "cclass_trib", "cind_op",
    "aliquota_simples_total", "percentual_tributos_federais", "percentual_tributos_estaduais",
    "percentual_tributos_municipais", "apuracao_simples",
)  # fmt: skip
_CHUNK = 500
AMOSTRA = 10
"""Rows shown in the admin's preview before an import is confirmed."""
AVISO_CP1252 = (
    "O arquivo não estava em UTF-8 e foi lido como Windows-1252 (o padrão do Excel no Windows); confira os acentos."
)


class ArquivoIlegivel(ValueError):
    """The upload is not text a CSV can be (neither UTF-8 nor Windows-1252)."""


def decodificar(dados: bytes) -> tuple[str, str | None]:
    """The CSV's text and, when it was not UTF-8 (a BOM is accepted), a note that it was read as cp1252."""
    try:
        return dados.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return dados.decode("cp1252"), AVISO_CP1252
    except UnicodeDecodeError:
        raise ArquivoIlegivel(
            "O arquivo não é um CSV de texto (nem UTF-8 nem Windows-1252); salve-o como CSV."
        ) from None


class LinhaInvalida(ValueError):
    """One row cannot be imported; str() is the reason shown after `linha N:`."""


class CabecalhoInvalido(ValueError):
    """The header does not follow the contract; nothing is imported."""


@dataclass
class Linha:
    numero: int
    contabilidade: str
    cnpj: str
    empresa: dict[str, Any]
    """Clean empresa fields of the row (an empty optional column is None and changes nothing)."""
    servico: dict[str, Any]
    """Clean fields of the padrão service profile."""
    telefones: list[str]


@dataclass
class Resultado:
    criadas: int = 0
    atualizadas: int = 0
    contabilidades_criadas: list[str] = field(default_factory=list)
    erros: list[tuple[int, str]] = field(default_factory=list)
    cabecalho: list[str] = field(default_factory=list)
    amostra: list[list[str]] = field(default_factory=list)
    """The first rows as written in the file (the admin's preview)."""

    def descricao(self, arquivo: str) -> str:
        """The import as the audit trail tells it."""
        return (
            f"Importação de empresas ({arquivo}): {self.criadas} criadas, {self.atualizadas} atualizadas, "
            f"{len(self.erros)} linhas com erro"
        )


def _telefones(texto: str) -> list[str]:
    numeros: list[str] = []
    for parte in texto.split(";"):
        if parte.strip():
            numero = normalizar_telefone(parte)
            if numero not in numeros:
                numeros.append(numero)
    return numeros


def parse_linha(numero: int, row: dict) -> Linha:
    """Validate one CSV record into a Linha or raise LinhaInvalida with the first problem found."""
    if row.get(None):
        raise LinhaInvalida("a linha tem mais colunas que o cabeçalho")
    if any(row.get(nome) is None for nome in REQUIRED):
        raise LinhaInvalida("a linha tem menos colunas que o cabeçalho")
    contabilidade = " ".join(row["contabilidade"].split())
    if not contabilidade:
        raise LinhaInvalida("contabilidade está vazio")
    empresa, erros = validar_empresa({campo: row[campo] for campo in EMPRESA if campo in row})
    servico, erros_servico = validar_servico(
        {campo: row[campo] for campo in SERVICO if campo in row}, empresa.get("regime")
    )
    erros |= erros_servico
    primeiro = next((campo for campo in row if campo in erros), None)
    if primeiro is not None:
        raise LinhaInvalida(erros[primeiro])
    try:
        telefones = _telefones(row["telefones"])
    except TelefoneInvalido as erro:
        raise LinhaInvalida(str(erro)) from None
    return Linha(numero, contabilidade, empresa.pop("cnpj"), empresa, servico, telefones)


APELIDOS = {
    "municipio_ibge": "codigo_municipio", "codigo_do_municipio": "codigo_municipio", "municipio": "codigo_municipio",
    "cod_municipio": "codigo_municipio", "ibge": "codigo_municipio", "endereco": "logradouro", "rua": "logradouro",
    "e_mail": "email", "aliquota_do_iss": "aliquota_iss", "telefone": "telefones",
    "telefones_autorizados": "telefones", "whatsapp": "telefones", "item_da_lc_116": "codigo_servico",
    "servico": "codigo_servico", "codigo_de_servico": "codigo_servico", "firma": "contabilidade",
    "regime_tributario": "regime", "im": "inscricao_municipal",
    "aliquota_efetiva_do_simples_iss": "aliquota_simples_iss", "iss_retido_pelo_tomador": "iss_retido",
    "codigo_de_tributacao_nacional": "codigo_tributacao_nacional", "codigo_de_tributacao_municipal":
    "codigo_tributacao_municipal", "serie_da_dps": "serie_dps", "emissao_por": "gateway",
    "aliquota_total_efetiva_do_simples_pgdas_d": "aliquota_simples_total",
}  # fmt: skip
"""Headers as people write them (the admin's Portuguese labels, other usual names) → the contract's column
(README, "`import-empresas` CSV"): names match ignoring case, accents, spaces and underscores."""


def coluna(nome: str) -> str:
    """A header as the contract names it: "Razão Social" → razao_social, "Município (IBGE)" → codigo_municipio."""
    sem_acento = unicodedata.normalize("NFKD", nome or "").encode("ascii", "ignore").decode().lower()
    chave = "_".join(re.findall(r"[a-z0-9]+", sem_acento.replace("%", "")))
    return APELIDOS.get(chave, chave)


def _check_header(campos: Iterable[str] | None, sem_firma: bool = False) -> None:
    campos = [c.strip() for c in campos or []]
    faltando = [c for c in REQUIRED if c not in campos and not (sem_firma and c == "contabilidade")]
    if faltando:
        raise CabecalhoInvalido(f"linha 1: faltam as colunas {', '.join(faltando)}")
    desconhecidas = [c for c in campos if c not in REQUIRED + OPTIONAL]
    if desconhecidas:
        raise CabecalhoInvalido(f"linha 1: colunas desconhecidas {', '.join(desconhecidas)}")
    repetidas = {c for c in campos if campos.count(c) > 1}
    if repetidas:
        raise CabecalhoInvalido(f"linha 1: colunas repetidas {', '.join(sorted(repetidas))}")


class _Importador:
    """Holds the firms and empresas already loaded, so each row costs no extra lookups."""

    def __init__(self, session: Session, resultado: Resultado):
        self.session = session
        self.resultado = resultado
        self.firmas: dict[str, Contabilidade] = {}
        self.empresas: dict[str, Empresa] = {}

    def _existentes(self, linha: Linha) -> tuple[Contabilidade | None, Empresa | None]:
        """The row's firm and empresa as already known (None: new); refuses an empresa of another firm."""
        firma = self.firmas.get(Contabilidade.chave(linha.contabilidade))
        empresa = self.empresas.get(linha.cnpj)
        if empresa is not None and (firma is None or empresa.contabilidade_id != firma.id):
            raise LinhaInvalida(f"o CNPJ {linha.cnpj} não está disponível: já é cadastrado por outra contabilidade")
        return firma, empresa

    def prever(self, linha: Linha) -> None:
        """What `aplicar` would do with the row, writing nothing: the preview's counts and refusals."""
        firma, empresa = self._existentes(linha)
        if firma is None:  # a stand-in for the firm the import would create
            chave = Contabilidade.chave(linha.contabilidade)
            self.firmas[chave] = SimpleNamespace(id=None, nome=linha.contabilidade, nome_chave=chave)
            self.resultado.contabilidades_criadas.append(linha.contabilidade)
        if empresa is None:
            self.resultado.criadas += 1
        else:
            self.resultado.atualizadas += 1

    def carregar(self, linhas: list[Linha]) -> None:
        chaves = sorted({Contabilidade.chave(linha.contabilidade) for linha in linhas})
        for inicio in range(0, len(chaves), _CHUNK):
            consulta = sa.select(Contabilidade).where(Contabilidade.nome_chave.in_(chaves[inicio : inicio + _CHUNK]))
            for firma in self.session.scalars(consulta):
                self.firmas[firma.nome_chave] = firma
        cnpjs = sorted({linha.cnpj for linha in linhas})
        for inicio in range(0, len(cnpjs), _CHUNK):
            consulta = (
                sa.select(Empresa)
                .where(Empresa.cnpj.in_(cnpjs[inicio : inicio + _CHUNK]))
                .options(selectinload(Empresa.servicos), selectinload(Empresa.telefones))
            )
            for empresa in self.session.scalars(consulta):
                self.empresas[empresa.cnpj] = empresa

    def aplicar(self, linha: Linha) -> None:
        firma, empresa = self._existentes(linha)
        nova_firma = firma is None
        if nova_firma:
            firma = contas.nova_contabilidade(self.session, linha.contabilidade)
        nova = empresa is None
        if nova:
            # By id, not through `firma.empresas`: each flush would walk that ever-growing collection (an import
            # of n rows into one firm cost n² — 51,000 rows ran for over an hour).
            empresa = empresas.nova(firma.id, linha.cnpj)
        empresas.preencher(empresa, linha.empresa, pular_nulos=True)
        empresas.harmonizar(empresa)
        empresas.servico_padrao(empresa, linha.servico)
        empresas.trocar_telefones(empresa, linha.telefones)
        self.session.flush()
        if nova_firma:
            self.firmas[firma.nome_chave] = firma
            self.resultado.contabilidades_criadas.append(firma.nome)
        self.empresas[empresa.cnpj] = empresa
        if nova:
            self.resultado.criadas += 1
        else:
            self.resultado.atualizadas += 1


def _linha_inicial(ultima_linha: int, row: dict) -> int:
    """Physical line where a record starts (quoted fields may span lines; blank lines are skipped)."""
    quebras = sum(str(valor).count("\n") for valor in row.values() if valor)
    return ultima_linha - quebras


def importar_empresas(
    arquivo: TextIO,
    session: Session,
    somente: Contabilidade | None = None,
    progresso: Callable[[], None] | None = None,
    simular: bool = False,
) -> Resultado:
    """Import every good row of a contract CSV; the caller commits. Raises CabecalhoInvalido.

    `somente` confines the file to one firm (an accountant importing from the admin); `progresso` is called
    after each row is applied; `simular` only reads: the result says what the import would do.
    """
    cabecalho = arquivo.readline()
    separador = ";" if cabecalho.count(";") > cabecalho.count(",") else ","
    leitor = csv.DictReader(itertools.chain([cabecalho], arquivo), delimiter=separador)
    leitor.fieldnames = [coluna(c) for c in leitor.fieldnames or []]
    _check_header(leitor.fieldnames, sem_firma=somente is not None)
    resultado = Resultado(cabecalho=list(leitor.fieldnames))
    linhas: list[Linha] = []
    vistas: dict[str, int] = {}
    for row in leitor:
        numero = _linha_inicial(leitor.line_num, row)
        if not any((valor or "").strip() for chave, valor in row.items() if chave is not None):
            continue
        if len(resultado.amostra) < AMOSTRA:
            resultado.amostra.append([row.get(campo) or "" for campo in resultado.cabecalho])
        if somente is not None and "contabilidade" not in resultado.cabecalho:
            row["contabilidade"] = somente.nome  # the admin's own firm when the file has no firm column
        try:
            linha = parse_linha(numero, row)
            if linha.cnpj in vistas:
                raise LinhaInvalida(f"CNPJ repetido no arquivo (já na linha {vistas[linha.cnpj]})")
            if somente is not None and Contabilidade.chave(linha.contabilidade) != somente.nome_chave:
                raise LinhaInvalida(f"a contabilidade {linha.contabilidade!r} não é a sua ({somente.nome})")
        except LinhaInvalida as erro:
            resultado.erros.append((numero, str(erro)))
            continue
        vistas[linha.cnpj] = numero
        linhas.append(linha)

    importador = _Importador(session, resultado)
    importador.carregar(linhas)
    for linha in linhas:
        try:
            if simular:
                importador.prever(linha)
                continue
            with session.begin_nested():
                importador.aplicar(linha)
        except LinhaInvalida as erro:
            resultado.erros.append((linha.numero, str(erro)))
        except IntegrityError as erro:
            resultado.erros.append((linha.numero, f"rejeitada pelo banco de dados: {erro.orig}"))
        if progresso:
            progresso()
    resultado.erros.sort()
    return resultado


def prever(texto: str, session: Session, somente: Contabilidade | None = None) -> Resultado:
    """What importing `texto` would do — created, updated, row errors, first rows — by reading only: a preview
    never holds the database's writer (on SQLite, a preview that wrote and rolled back held every webhook off
    for minutes)."""
    try:
        return importar_empresas(io.StringIO(texto), session, somente, simular=True)
    finally:
        session.rollback()
