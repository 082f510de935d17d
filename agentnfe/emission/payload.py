"""The PlugNotas NFS-e document of a note: a pure function of the note, its empresa, service and tomador."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..models import ClienteTomador, Empresa, NFSe, Regime, ServicoEmpresa

# regime → (regimeTributario, simplesNacional, regimeTributarioEspecial); the one place that knows the codes:
# 1 Simples Nacional, 3 Normal/Lucro Presumido, 4 Normal/Lucro Real; especial 5 = MEI.
REGIMES = {
    Regime.SIMPLES_NACIONAL: (1, True, 0),
    Regime.LUCRO_PRESUMIDO: (3, False, 0),
    Regime.LUCRO_REAL: (4, False, 0),
    Regime.MEI: (1, True, 5),
}
TRIBUTAVEL_NO_MUNICIPIO = 1
EXIGIVEL = 1


def _numero(valor: Decimal, casas: str = "0.01") -> float:
    """Decimal inside, a JSON number at the edge, rounded half-up."""
    return float(Decimal(valor).quantize(Decimal(casas), rounding=ROUND_HALF_UP))


def _sem_vazios(dados: dict) -> dict:
    return {chave: valor for chave, valor in dados.items() if valor not in (None, "", {})}


def montar(nota: NFSe, empresa: Empresa, servico: ServicoEmpresa, tomador: ClienteTomador) -> list[dict]:
    """The array POSTed to /nfse; ISS withholding comes from the note (service default or tomador override)."""
    regime, simples, especial = REGIMES[empresa.regime]
    iss = {"tipoTributacao": TRIBUTAVEL_NO_MUNICIPIO, "exigibilidade": EXIGIVEL, "retido": nota.iss_retido}
    if empresa.regime is not Regime.MEI and nota.aliquota_iss is not None:
        iss = {"aliquota": _numero(nota.aliquota_iss, "0.0001"), **iss}
    valor = _numero(nota.valor)
    item = _sem_vazios(
        {
            "codigo": servico.codigo_servico,
            "codigoTributacao": servico.codigo_tributacao_municipal,
            "cnae": servico.cnae,
            "nbs": servico.nbs,
            "cClassTrib": servico.cclass_trib,
            "discriminacao": nota.descricao,
            "iss": iss,
            "valor": {"servico": valor, "baseCalculo": valor},
        }
    )
    endereco_tomador = _sem_vazios(
        {
            "logradouro": tomador.logradouro,
            "numero": tomador.numero,
            "complemento": tomador.complemento,
            "bairro": tomador.bairro,
            "codigoCidade": tomador.codigo_municipio,
            "descricaoCidade": tomador.municipio,
            "estado": tomador.uf,
            "cep": tomador.cep,
        }
    )
    prestador = {
        "cpfCnpj": empresa.cnpj,
        "inscricaoMunicipal": empresa.inscricao_municipal,
        "razaoSocial": empresa.razao_social,
        "simplesNacional": simples,
        "regimeTributario": regime,
        "regimeTributarioEspecial": especial or None,
        "endereco": _sem_vazios({"codigoCidade": empresa.codigo_municipio, "cep": empresa.cep}),
    }
    return [
        {
            "idIntegracao": nota.id_integracao,
            "competencia": nota.competencia.isoformat(),
            "prestador": _sem_vazios(prestador),
            "tomador": _sem_vazios(
                {
                    "cpfCnpj": tomador.documento,
                    "razaoSocial": tomador.razao_social,
                    "email": tomador.email,
                    "endereco": endereco_tomador,
                }
            ),
            "servico": [item],
        }
    ]


def empresa_plugnotas(empresa: Empresa, certificado_id: str) -> dict:
    """The company registration PlugNotas needs before it emits for a prestador."""
    regime, simples, especial = REGIMES[empresa.regime]
    return _sem_vazios(
        {
            "cpfCnpj": empresa.cnpj,
            "inscricaoMunicipal": empresa.inscricao_municipal,
            "razaoSocial": empresa.razao_social,
            "nomeFantasia": empresa.nome_fantasia,
            "email": empresa.email,
            "certificado": certificado_id,
            "simplesNacional": simples,
            "regimeTributario": regime,
            "regimeTributarioEspecial": especial or None,
            "endereco": _sem_vazios(
                {"codigoCidade": empresa.codigo_municipio, "estado": empresa.uf, "cep": empresa.cep}
            ),
            "nfse": {"ativo": True},
        }
    )
