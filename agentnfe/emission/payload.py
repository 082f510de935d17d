"""The PlugNotas NFS-e document of a note, and the company registration: pure functions of the data.

Every code PlugNotas numbers lives in the tables below, with its source. Field names and nesting follow
Tecnospeed's complete example (tecnospeed/plugnotas-json-completo, nfse-completo.json) and
../shared/samples/plugnotas_nfse_request.json; tests/schemas/plugnotas_nfse.schema.json checks every document.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ..fiscal.iss import ISS
from ..fiscal.servicos import formatar_nbs
from ..models import Ambiente, Empresa, NFSe, Regime, RegimeEspecial, ServicoEmpresa

# regime → (regimeTributario, simplesNacional). Codes of 04l3x4ndr3/sdk-tecnospeed-plugnotas
# src/Enum/RegimeTributario.php: 0 nenhum, 1 Simples Nacional, 2 Simples excesso, 3 Lucro Presumido,
# 4 Lucro Real, 5 MEI. For NFS-e a MEI goes as Simples (1) with the special regime MEI (5), as ABRASF
# cities expect (OptanteSimplesNacional + RegimeEspecialTributacao 5); the code 5 exists for NF-e (CRT 4).
REGIMES = {
    Regime.SIMPLES_NACIONAL: (1, True),
    Regime.LUCRO_PRESUMIDO: (3, False),
    Regime.LUCRO_REAL: (4, False),
    Regime.MEI: (1, True),
}
# regime_especial → regimeTributarioEspecial, same SDK, RegimeTributarioEspecial.php: 0 nenhum,
# 1 microempresa municipal, 2 estimativa, 3 sociedade de profissionais, 4 cooperativa, 5 MEI, 6 ME/EPP.
# PlugNotas has no "autônomo", "notário ou registrador" or "outros" code (the national layout has, in its own
# table): they go as 0.
REGIMES_ESPECIAIS = {
    RegimeEspecial.NENHUM: 0,
    RegimeEspecial.ME_MUNICIPAL: 1,
    RegimeEspecial.ESTIMATIVA: 2,
    RegimeEspecial.SOCIEDADE_PROFISSIONAIS: 3,
    RegimeEspecial.COOPERATIVA: 4,
    RegimeEspecial.MEI: 5,
    RegimeEspecial.ME_EPP_SIMPLES: 6,
    RegimeEspecial.AUTONOMO: 0,
    RegimeEspecial.NOTARIO_REGISTRADOR: 0,
    RegimeEspecial.OUTROS: 0,
}
# Place of service → servico[].iss.tipoTributacao (plugnotas_notes.md; SDK TipoTributacao.php): 6 tributável
# dentro do município, 7 fora dele. 1 would declare the note ISS-exempt. Withheld ISS goes as `retido: true`
# with 6/7; the list also has 5 "retido": which one ABRASF cities expect is not said publicly (confirm in the
# sandbox and change it here only).
TIPO_TRIBUTACAO = {True: 6, False: 7}
EXIGIVEL = 1


def _numero(valor: Decimal, casas: str = "0.01") -> float:
    """Decimal inside, a JSON number at the edge, rounded half-up."""
    return float(Decimal(valor).quantize(Decimal(casas), rounding=ROUND_HALF_UP))


def _sem_vazios(dados: dict) -> dict:
    return {chave: valor for chave, valor in dados.items() if valor not in (None, "", {})}


def endereco_empresa(empresa: Empresa) -> dict:
    return _sem_vazios(
        {
            "logradouro": empresa.logradouro,
            "numero": empresa.numero,
            "complemento": empresa.complemento,
            "bairro": empresa.bairro,
            "codigoCidade": empresa.codigo_municipio,
            "estado": empresa.uf,
            "cep": empresa.cep,
        }
    )


def _regime(empresa: Empresa) -> dict:
    regime, simples = REGIMES[empresa.regime]
    especial = RegimeEspecial.MEI if empresa.regime is Regime.MEI else empresa.regime_especial
    return {
        "simplesNacional": simples,
        "regimeTributario": regime,
        "regimeTributarioEspecial": REGIMES_ESPECIAIS[especial or RegimeEspecial.NENHUM],
        "incentivoFiscal": bool(empresa.incentivo_fiscal),
    }


def _tomador(retrato: dict) -> dict:
    endereco = retrato.get("endereco") or {}
    return _sem_vazios(
        {
            "cpfCnpj": retrato["documento"],
            "razaoSocial": retrato.get("nome"),
            "email": retrato.get("email"),
            "endereco": _sem_vazios(
                {
                    "logradouro": endereco.get("logradouro"),
                    "numero": endereco.get("numero"),
                    "complemento": endereco.get("complemento"),
                    "bairro": endereco.get("bairro"),
                    "codigoCidade": endereco.get("codigo_municipio"),
                    "descricaoCidade": endereco.get("municipio"),
                    "estado": endereco.get("uf"),
                    "cep": endereco.get("cep"),
                }
            ),
        }
    )


def _servico(nota: NFSe, empresa: Empresa, servico: ServicoEmpresa, aliquota: Decimal | None, retido: bool) -> dict:
    local = nota.codigo_municipio_prestacao or empresa.codigo_municipio
    iss = {
        "tipoTributacao": TIPO_TRIBUTACAO[local == empresa.codigo_municipio],
        "exigibilidade": EXIGIVEL,
        "retido": retido,
    }
    if aliquota is not None:
        iss = {"aliquota": _numero(aliquota, "0.0001"), **iss}
    valor = _numero(nota.valor)
    ibscbs = None
    if servico.cst_ibscbs and servico.cclass_trib:
        ibscbs = {"valores": {"tributacao": {"cst": servico.cst_ibscbs, "cct": servico.cclass_trib}}}
    return _sem_vazios(
        {
            "codigo": servico.codigo_servico,
            "codigoTributacao": servico.codigo_tributacao_municipal,
            "codigoServicoNacional": servico.codigo_tributacao_nacional,
            "cnae": servico.cnae,
            "codigoNbs": formatar_nbs(servico.nbs) if servico.nbs else None,
            "discriminacao": nota.descricao,
            "codigoCidadeIncidencia": local,
            "iss": iss,
            "valor": {"servico": valor, "baseCalculo": valor},
            "ibscbs": ibscbs,
        }
    )


def montar(
    nota: NFSe, empresa: Empresa, servico: ServicoEmpresa, retrato: dict, emissao: datetime, imposto: ISS | None = None
) -> list[dict]:
    """The array POSTed to /nfse; `retrato` is the tomador snapshot, `emissao` the local emission time and
    `imposto` the ISS decided for this send (the note's stored rate and withholding when not given)."""
    aliquota, retido = (nota.aliquota_iss, nota.iss_retido) if imposto is None else (imposto.aliquota, imposto.retido)
    prestador = {
        "cpfCnpj": empresa.cnpj,
        "inscricaoMunicipal": empresa.inscricao_municipal,
        "razaoSocial": empresa.razao_social,
        **_regime(empresa),
        "endereco": endereco_empresa(empresa),
    }
    return [
        {
            "idIntegracao": nota.id_integracao,
            "rps": {
                "dataEmissao": emissao.isoformat(timespec="seconds"),
                "competencia": nota.competencia.replace(day=1).isoformat(),
            },
            "prestador": _sem_vazios(prestador),
            "tomador": _tomador(retrato),
            "servico": [_servico(nota, empresa, servico, aliquota, retido)],
        }
    ]


def _telefone(numero: str | None) -> dict | None:
    digitos = (numero or "")[-11:] if numero else ""
    if len(digitos) < 10:
        return None
    return {"ddd": digitos[:2], "numero": digitos[2:]}


def empresa_plugnotas(empresa: Empresa, certificado_id: str | None) -> dict:
    """The company registration PlugNotas needs before it emits for a prestador (POST, or PATCH to update)."""
    return _sem_vazios(
        {
            "cpfCnpj": empresa.cnpj,
            "inscricaoMunicipal": empresa.inscricao_municipal,
            "razaoSocial": empresa.razao_social,
            "nomeFantasia": empresa.nome_fantasia,
            "email": empresa.email,
            "telefone": _telefone(empresa.telefone),
            "certificado": certificado_id,
            **_regime(empresa),
            "endereco": endereco_empresa(empresa),
            "nfse": {
                "ativo": True,
                "config": {
                    "producao": empresa.ambiente is Ambiente.PRODUCAO,
                    "rps": {"serie": empresa.serie_rps or "1", "numero": empresa.numero_rps or 1},
                },
            },
        }
    )
