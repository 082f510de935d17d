"""Validation of an empresa's registration and fiscal profile, shared by the CSV import and the admin forms.

Each validator takes raw values (CSV text or form data) and returns the cleaned values plus, per field, the
first problem found in PT-BR; one set of rules for every way an empresa enters the system.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from agentnfe.cadastros import convenios
from agentnfe.contas import ContaInvalida, parse_email
from agentnfe.fiscal import (
    DocumentoInvalido,
    LocalidadeInvalida,
    ServicoInvalido,
    nome_municipio,
    parse_cep,
    parse_cnpj,
    parse_codigo_municipio,
    parse_uf,
)
from agentnfe.fiscal.regras_nacionais import Apuracao, regime_especial_proibido
from agentnfe.fiscal.servicos import (
    codigo_numerico,
    parse_aliquota,
    parse_aliquota_simples,
    parse_aliquota_simples_total,
    parse_cclass_trib,
    parse_codigo_servico,
    parse_codigo_tributacao_nacional,
    parse_cst_ibscbs,
    parse_nbs,
    parse_percentual_tributos,
)
from agentnfe.models import Ambiente, NomeGateway, Regime, RegimeEspecial

_VERDADEIRO = {"sim", "s", "true", "1", "x", "yes", "y", "verdadeiro", "on"}
_FALSO = {"nao", "não", "n", "false", "0", "no", "falso", "off"}
_ERROS = (DocumentoInvalido, LocalidadeInvalida, ServicoInvalido, ContaInvalida, ValueError)


class CampoInvalido(ValueError):
    """A value that cannot be stored; str() says why in PT-BR."""


def vazio(valor: Any) -> bool:
    return valor is None or (isinstance(valor, str) and not valor.strip())


def _texto(limite: int) -> Callable:
    def validar(valor, _contexto) -> str:
        texto = " ".join(str(valor).split())
        if len(texto) > limite:
            raise CampoInvalido(f"tem mais de {limite} caracteres")
        return texto

    return validar


def sim_nao(valor, _contexto=None) -> bool:
    if isinstance(valor, bool):
        return valor
    chave = str(valor).strip().lower()
    if chave in _VERDADEIRO:
        return True
    if chave in _FALSO:
        return False
    raise CampoInvalido(f"{valor!r} inválido (use sim ou não)")


def _escolha(enum, rotulo: str) -> Callable:
    def validar(valor, _contexto):
        chave = re.sub(r"[\s\-]+", "_", str(getattr(valor, "value", valor)).strip().lower())
        try:
            return enum(chave)
        except ValueError:
            raise CampoInvalido(f"{rotulo} {valor!r} inválido (use {', '.join(m.value for m in enum)})") from None

    return validar


def _telefone(valor, _contexto) -> str:
    digitos = re.sub(r"\D", "", str(valor))
    if not 10 <= len(digitos) <= 13:
        raise CampoInvalido(f"telefone {valor!r} deve ter DDD e número (10 ou 11 dígitos)")
    return digitos


def _inscricao(valor) -> str:
    inscricao = re.sub(r"[\s./\-]", "", str(valor))
    if len(inscricao) > 30:
        raise CampoInvalido("inscrição municipal tem mais de 30 caracteres")
    return inscricao


def _sequencia(rotulo: str, maximo: int) -> Callable:
    def validar(valor, _contexto) -> int:
        try:
            numero = int(str(valor).strip())
        except ValueError:
            raise CampoInvalido(f"{rotulo} {valor!r} não é um número inteiro") from None
        if not 1 <= numero <= maximo:
            raise CampoInvalido(f"{rotulo} deve estar entre 1 e {maximo}")
        return numero

    return validar


def _serie_dps(valor, _contexto) -> str:
    serie = str(valor).strip()
    if not re.fullmatch(r"[0-9]{1,5}", serie) or not 1 <= int(serie) <= 49999:
        raise CampoInvalido(
            f"série da DPS {valor!r} deve estar entre 1 e 49999, a faixa do aplicativo do contribuinte (regra E0010)"
        )
    return str(int(serie))


def _aliquota_simples(valor, contexto) -> Decimal:
    if contexto.get("regime") is not Regime.SIMPLES_NACIONAL:
        raise CampoInvalido("alíquota efetiva do Simples só se aplica a empresas do Simples Nacional (não MEI)")
    return parse_aliquota_simples(valor)


def _simples_total(valor, contexto) -> Decimal:
    if contexto.get("regime") is not Regime.SIMPLES_NACIONAL:
        raise CampoInvalido("alíquota total do Simples só se aplica a empresas do Simples Nacional (não MEI)")
    return parse_aliquota_simples_total(valor)


def _apuracao(valor, contexto) -> int:
    texto = str(getattr(valor, "value", valor)).strip()[:1]
    if texto not in {"1", "2", "3"}:
        raise CampoInvalido(f"apuração do Simples {valor!r} inválida (use 1, 2 ou 3)")
    if texto != "1" and contexto.get("regime") is not Regime.SIMPLES_NACIONAL:
        raise CampoInvalido("apuração 2 ou 3 (sublimite excedido) só se aplica a empresas do Simples Nacional")
    return int(texto)


def _percentual_tributos(valor, contexto) -> Decimal:
    if contexto.get("regime") not in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL):
        raise CampoInvalido("percentuais de tributos só se aplicam a empresas do lucro presumido ou real")
    return parse_percentual_tributos(valor)


def _aliquota_iss(valor, contexto) -> Decimal:
    return parse_aliquota(
        valor, mei=contexto.get("regime") is Regime.MEI, codigo_servico=contexto.get("codigo_servico")
    )


def _municipio(valor, contexto) -> str:
    if "uf" not in contexto:
        raise CampoInvalido("informe a UF para conferir o código do município")
    return parse_codigo_municipio(str(valor), contexto["uf"])


# field → (validator, required); validators see the already-cleaned fields in `contexto`, in this order.
EMPRESA: dict[str, tuple[Callable, bool]] = {
    "cnpj": (lambda valor, _c: parse_cnpj(str(valor)), True),
    "razao_social": (_texto(200), True),
    "nome_fantasia": (_texto(200), False),
    "inscricao_municipal": (lambda valor, _c: _inscricao(valor), True),
    "uf": (lambda valor, _c: parse_uf(str(valor)), True),
    "codigo_municipio": (_municipio, True),
    "logradouro": (_texto(200), False),
    "numero": (_texto(20), False),
    "complemento": (_texto(100), False),
    "bairro": (_texto(100), False),
    "cep": (lambda valor, _c: parse_cep(str(valor)), False),
    "email": (lambda valor, _c: parse_email(str(valor)), False),
    "telefone": (_telefone, False),
    "regime": (_escolha(Regime, "regime"), True),
    "regime_especial": (_escolha(RegimeEspecial, "regime especial"), False),
    "incentivo_fiscal": (sim_nao, False),
    "aliquota_simples_iss": (_aliquota_simples, False),
    "aliquota_simples_total": (_simples_total, False),
    "apuracao_simples": (_apuracao, False),
    "percentual_tributos_federais": (_percentual_tributos, False),
    "percentual_tributos_estaduais": (_percentual_tributos, False),
    "percentual_tributos_municipais": (_percentual_tributos, False),
    "ambiente": (_escolha(Ambiente, "ambiente"), False),
    "serie_rps": (_texto(5), False),
    "numero_rps": (_sequencia("número do RPS", 999_999_999), False),
    "gateway": (_escolha(NomeGateway, "gateway"), False),
    "serie_dps": (_serie_dps, False),
    "numero_dps": (_sequencia("próximo número da DPS", 10**15 - 1), False),
}

SERVICO: dict[str, tuple[Callable, bool]] = {
    "codigo_servico": (lambda valor, _c: parse_codigo_servico(str(valor)), True),
    "aliquota_iss": (_aliquota_iss, True),
    "iss_retido": (sim_nao, False),
    "codigo_tributacao_nacional": (
        lambda valor, c: parse_codigo_tributacao_nacional(str(valor), c.get("codigo_servico")),
        False,
    ),
    "codigo_tributacao_municipal": (_texto(20), False),
    "cnae": (lambda valor, _c: codigo_numerico(valor, 7, "CNAE", "6201-5/01"), False),
    "nbs": (lambda valor, _c: parse_nbs(str(valor)), False),
    "cst_ibscbs": (lambda valor, _c: parse_cst_ibscbs(str(valor)), False),
    "cclass_trib": (lambda valor, _c: parse_cclass_trib(str(valor)), False),
    "cind_op": (
        lambda valor, _c: codigo_numerico(valor, 6, "indicador da operação do IBS/CBS (cIndOp)", "100301"),
        False,
    ),
    "descricao": (_texto(500), False),
    "palavras_chave": (_texto(500), False),
}


def validar(
    regras: Mapping[str, tuple[Callable, bool]], valores: Mapping[str, Any], contexto: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the fields of `valores` named in `regras`; returns (clean values, {field: problem})."""
    limpos: dict[str, Any] = {}
    erros: dict[str, str] = {}
    visto = dict(contexto or {})
    for campo, (validador, obrigatorio) in regras.items():
        if campo not in valores:
            continue
        valor = valores[campo]
        if vazio(valor):
            if obrigatorio:
                erros[campo] = f"{campo} está vazio"
            else:
                limpos[campo] = None
            continue
        try:
            limpos[campo] = validador(valor, visto)
        except _ERROS as erro:
            erros[campo] = str(erro)
            continue
        visto[campo] = limpos[campo]
    return limpos, erros


def validar_empresa(
    valores: Mapping[str, Any], apuracao_atual: int | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The empresa's fields; a special regime the national rules forbid for its regime is refused with the rule's
    words (E0174, E0175). `apuracao_atual` is the stored regApTribSN when `valores` does not carry it."""
    limpos, erros = validar(EMPRESA, valores)
    regime, especial = limpos.get("regime"), limpos.get("regime_especial")
    if especial is RegimeEspecial.MEI and regime not in (None, Regime.MEI):
        erros.setdefault("regime_especial", "regime especial mei só para empresas do regime mei")
    municipio = limpos.get("codigo_municipio")
    if limpos.get("gateway") is NomeGateway.NACIONAL and regime not in (None, Regime.MEI) and municipio:
        if convenios.sem_convenio_ativo(municipio):
            erros.setdefault(
                "gateway",
                f"o município {nome_municipio(municipio) or municipio} não tem convênio ativo com o emissor nacional "
                "(regras E0037/E0038): só MEI emite pelo nacional nesse caso; mantenha a empresa no PlugNotas",
            )
    if regime is not None and especial is not None:
        apuracao = limpos.get("apuracao_simples") or apuracao_atual or Apuracao.SIMPLES
        proibido = regime_especial_proibido(regime, apuracao, especial)
        if proibido:
            erros.setdefault("regime_especial", proibido)
    return limpos, erros


def validar_servico(valores: Mapping[str, Any], regime: Regime | None) -> tuple[dict[str, Any], dict[str, str]]:
    return validar(SERVICO, valores, {"regime": regime})


VINCULO: dict[str, tuple[Callable, bool]] = {
    "nome": (_texto(200), False),
    "email": (lambda valor, _c: parse_email(str(valor)), False),
    "logradouro": (_texto(200), False),
    "numero": (_texto(20), False),
    "complemento": (_texto(100), False),
    "bairro": (_texto(100), False),
    "cep": (lambda valor, _c: parse_cep(str(valor)), False),
    "uf": (lambda valor, _c: parse_uf(str(valor)), False),
    "codigo_municipio": (_municipio, False),
}


def validar_vinculo(valores: Mapping[str, Any], nome_no_registro: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """What a firm says about one of its tomadores; the name is required when the Receita's registry has none."""
    limpos, erros = validar(VINCULO, valores)
    if "nome" in valores and not limpos.get("nome") and not nome_no_registro:
        erros.setdefault("nome", "informe o nome do tomador: o cadastro da Receita não tem (sempre o caso de um CPF)")
    return limpos, erros
