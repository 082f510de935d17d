"""The PlugNotas documents built from notes: the sample's shape, the schema of the API, the fiscal rules."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentnfe.emission.payload import REGIMES, REGIMES_ESPECIAIS, TIPO_TRIBUTACAO, empresa_plugnotas, montar
from agentnfe.fiscal.documents import completar_cnpj, completar_cpf
from agentnfe.models import Ambiente, Empresa, NFSe, Regime, RegimeEspecial, ServicoEmpresa

from .fakes import erros_de_schema

AMOSTRA = json.loads((Path(__file__).parent / "data/plugnotas_nfse_request.json").read_text())
EMISSAO = datetime(2026, 4, 2, 10, 15, tzinfo=ZoneInfo("America/Sao_Paulo"))
NFSE, EMPRESA = "plugnotas_nfse.schema.json", "plugnotas_empresa.schema.json"


def empresa(regime=Regime.SIMPLES_NACIONAL, **campos) -> Empresa:
    valores = dict(
        cnpj="98765432000198", inscricao_municipal="1234567", razao_social="PRESTADORA SERVICOS LTDA",
        codigo_municipio="3550308", uf="SP", logradouro="RUA DAS FLORES", numero="100", bairro="CENTRO",
        cep="01001000", regime=regime, regime_especial=RegimeEspecial.NENHUM, incentivo_fiscal=False,
        aliquota_simples_iss=Decimal("2.0100"), ambiente=Ambiente.HOMOLOGACAO, serie_rps="1", numero_rps=1,
    )  # fmt: skip
    valores.update(campos)
    return Empresa(**valores)


def servico(**campos) -> ServicoEmpresa:
    valores = dict(
        codigo_servico="01.07", codigo_tributacao_municipal="010701", codigo_tributacao_nacional="010701",
        cnae="6209100", aliquota_iss=Decimal("2.0000"), iss_retido=False,
    )  # fmt: skip
    valores.update(campos)
    return ServicoEmpresa(**valores)


RETRATO = {
    "documento": "12345678000195", "tipo": "cnpj", "nome": "EXEMPLO CONSULTORIA LTDA", "email": "financeiro@exemplo.com.br",
    "endereco": {
        "logradouro": "AVENIDA PAULISTA", "numero": "1000", "bairro": "BELA VISTA", "codigo_municipio": "3550308",
        "municipio": "SAO PAULO", "uf": "SP", "cep": "01310100",
    },
}  # fmt: skip


def nota(aliquota="2.0000", retido=False, valor="1500.00", local="3550308", competencia=date(2026, 3, 1)) -> NFSe:
    return NFSe(
        id_integracao="agentnfe-000123", valor=Decimal(valor), descricao="Consultoria de março", competencia=competencia,
        codigo_municipio_prestacao=local, aliquota_iss=Decimal(aliquota) if aliquota else None, iss_retido=retido,
    )  # fmt: skip


def test_matches_the_corrected_sample_request():
    [documento] = montar(nota(aliquota=None), empresa(), servico(), RETRATO, EMISSAO)
    [amostra] = AMOSTRA
    assert erros_de_schema(NFSE, [documento]) == {}
    assert documento["idIntegracao"] == amostra["idIntegracao"]
    assert documento["rps"] == amostra["rps"]  # competência in rps, with the emission date; never at the top level
    assert "competencia" not in documento
    assert {k: documento["prestador"][k] for k in amostra["prestador"]} == amostra["prestador"]
    assert documento["tomador"] == amostra["tomador"]
    [item], [esperado] = documento["servico"], amostra["servico"]
    assert {k: item[k] for k in esperado if k != "iss"} == {k: v for k, v in esperado.items() if k != "iss"}
    # Simples Nacional, ISS not withheld: paid in the DAS, so no rate goes on the note (docs/arquitetura.md §9)
    assert item["iss"] == {"tipoTributacao": 6, "exigibilidade": 1, "retido": False}


def test_the_usual_case_is_taxable_in_the_city_never_exempt():
    [documento] = montar(nota(), empresa(Regime.LUCRO_PRESUMIDO), servico(), RETRATO, EMISSAO)
    assert documento["servico"][0]["iss"]["tipoTributacao"] == 6 != 1  # 1 would declare the note ISS-exempt
    [fora] = montar(nota(local="3304557"), empresa(Regime.LUCRO_PRESUMIDO), servico(), RETRATO, EMISSAO)
    assert fora["servico"][0]["iss"]["tipoTributacao"] == 7
    assert fora["servico"][0]["codigoCidadeIncidencia"] == "3304557"
    assert TIPO_TRIBUTACAO == {True: 6, False: 7}


def test_money_is_rounded_half_up_at_the_edge():
    [documento] = montar(nota(valor="1234.565"), empresa(), servico(), RETRATO, EMISSAO)
    assert documento["servico"][0]["valor"] == {"servico": 1234.57, "baseCalculo": 1234.57}
    assert json.dumps(documento["servico"][0]["valor"]) == '{"servico": 1234.57, "baseCalculo": 1234.57}'


def test_a_withheld_simples_note_carries_the_effective_simples_rate():
    [documento] = montar(nota(aliquota="1.8700", retido=True), empresa(), servico(), RETRATO, EMISSAO)
    assert documento["servico"][0]["iss"] == {"aliquota": 1.87, "tipoTributacao": 6, "exigibilidade": 1, "retido": True}


def test_mei_sends_the_special_regime_and_no_rate():
    [documento] = montar(nota(aliquota=None), empresa(Regime.MEI), servico(aliquota_iss=Decimal(0)), RETRATO, EMISSAO)
    assert "aliquota" not in documento["servico"][0]["iss"] and documento["servico"][0]["iss"]["retido"] is False
    assert documento["prestador"]["regimeTributarioEspecial"] == 5
    assert documento["prestador"]["simplesNacional"] is True and documento["prestador"]["regimeTributario"] == 1


def test_regime_tables_cover_every_value_and_normal_regimes_are_not_simples():
    assert set(REGIMES) == set(Regime) and set(REGIMES_ESPECIAIS) == set(RegimeEspecial)
    for regime in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL):
        [documento] = montar(nota(), empresa(regime), servico(), RETRATO, EMISSAO)
        assert documento["prestador"]["simplesNacional"] is False
        assert documento["prestador"]["regimeTributario"] == REGIMES[regime][0]
    sociedade = empresa(Regime.LUCRO_PRESUMIDO, regime_especial=RegimeEspecial.SOCIEDADE_PROFISSIONAIS)
    assert montar(nota(), sociedade, servico(), RETRATO, EMISSAO)[0]["prestador"]["regimeTributarioEspecial"] == 3


def test_ibs_cbs_and_nbs_go_only_when_present_under_the_api_names():
    [sem] = montar(nota(), empresa(), servico(), RETRATO, EMISSAO)
    assert not {"codigoNbs", "ibscbs"} & set(sem["servico"][0])
    com = servico(nbs="101011000", cst_ibscbs="000", cclass_trib="000001")
    item = montar(nota(), empresa(), com, RETRATO, EMISSAO)[0]["servico"][0]
    assert item["codigoNbs"] == "1.0101.10.00"
    assert item["ibscbs"] == {"valores": {"tributacao": {"cst": "000", "cct": "000001"}}}


def test_the_schema_refuses_what_the_api_refuses():
    [documento] = montar(nota(), empresa(), servico(), RETRATO, EMISSAO)
    no_topo = erros_de_schema(NFSE, [{**documento, "competencia": "2026-03-01"}])
    assert any("'competencia' was unexpected" in mensagem for mensagem in no_topo.values())
    isento = json.loads(json.dumps(documento))
    isento["servico"][0]["iss"]["tipoTributacao"] = 9
    assert "[0].servico[0].iss.tipoTributacao" in erros_de_schema(NFSE, [isento])
    sem_nome = json.loads(json.dumps(documento))
    sem_nome["tomador"] = {"cpfCnpj": "12345678909"}
    assert any("razaoSocial" in m for m in erros_de_schema(NFSE, [sem_nome]).values())


def test_company_registration_has_address_production_flag_and_rps_numbering():
    dados = empresa_plugnotas(empresa(ambiente=Ambiente.PRODUCAO, numero_rps=42, telefone="1133334444"), "cert-1")
    assert erros_de_schema(EMPRESA, dados) == {}
    assert dados["certificado"] == "cert-1" and dados["incentivoFiscal"] is False
    assert dados["endereco"] == {
        "logradouro": "RUA DAS FLORES", "numero": "100", "bairro": "CENTRO", "codigoCidade": "3550308", "estado": "SP",
        "cep": "01001000",
    }  # fmt: skip
    assert dados["nfse"] == {"ativo": True, "config": {"producao": True, "rps": {"serie": "1", "numero": 42}}}
    assert dados["telefone"] == {"ddd": "11", "numero": "33334444"}
    assert empresa_plugnotas(empresa(), None)["nfse"]["config"]["producao"] is False
    assert erros_de_schema(EMPRESA, empresa_plugnotas(empresa(logradouro=None), "c")) != {}


# --- generated notes: every regime, CPF and CNPJ tomadores, withheld or not, with and without IBS/CBS ---------
def _iss(regime, aliquota_servico, aliquota_simples, retido, valor):
    from agentnfe.emission.notas import tributacao

    return tributacao(regime, aliquota_servico, aliquota_simples, retido, valor)


cnpjs = st.integers(10_000_000, 99_999_999).map(lambda n: completar_cnpj(f"{n:08d}0001"))
cpfs = st.integers(100_000_000, 999_999_999).map(lambda n: completar_cpf(f"{n:09d}"))
valores = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
aliquotas = st.decimals(min_value=Decimal("2"), max_value=Decimal("5"), places=4)


@settings(max_examples=300, deadline=None)
@given(
    regime=st.sampled_from(list(Regime)),
    especial=st.sampled_from(list(RegimeEspecial)),
    documento=st.one_of(cnpjs, cpfs),
    nome=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
        str.strip
    ),
    valor=valores,
    aliquota_servico=aliquotas,
    aliquota_simples=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5"), places=4),
    retido=st.booleans(),
    fora=st.booleans(),
    ibscbs=st.booleans(),
    com_endereco=st.booleans(),
    mes=st.integers(1, 12),
)
def test_every_generated_note_is_valid_for_the_api_and_follows_the_iss_rules(
    regime,
    especial,
    documento,
    nome,
    valor,
    aliquota_servico,
    aliquota_simples,
    retido,
    fora,
    ibscbs,
    com_endereco,
    mes,
):
    if regime is Regime.MEI:
        especial, aliquota_servico = RegimeEspecial.MEI, Decimal(0)
    elif especial is RegimeEspecial.MEI:
        especial = RegimeEspecial.NENHUM
    imposto = _iss(regime, aliquota_servico, aliquota_simples, retido, valor)
    registro = nota(
        aliquota=imposto.aliquota, retido=imposto.retido, valor=str(valor), local="3304557" if fora else "3550308",
        competencia=date(2026, mes, 1),
    )  # fmt: skip
    perfil = servico(
        aliquota_iss=aliquota_servico,
        **({"nbs": "115013000", "cst_ibscbs": "000", "cclass_trib": "000001"} if ibscbs else {}),
    )
    retrato = {
        **RETRATO,
        "documento": documento,
        "tipo": "cpf" if len(documento) == 11 else "cnpj",
        "nome": nome.strip(),
    }
    if not com_endereco:
        retrato["endereco"] = {}
    [documento_api] = montar(
        registro,
        empresa(regime, regime_especial=especial, aliquota_simples_iss=aliquota_simples),
        perfil,
        retrato,
        EMISSAO,
    )

    assert erros_de_schema(NFSE, [documento_api]) == {}
    iss = documento_api["servico"][0]["iss"]
    assert iss["tipoTributacao"] == (7 if fora else 6)
    if regime is Regime.MEI:
        assert "aliquota" not in iss and iss["retido"] is False
    elif regime is Regime.SIMPLES_NACIONAL:
        assert iss["retido"] is retido
        assert iss.get("aliquota") == (float(aliquota_simples) if retido else None)
    else:
        assert iss["aliquota"] == float(aliquota_servico) and iss["retido"] is retido
    assert documento_api["rps"]["competencia"] == f"2026-{mes:02d}-01"
    assert documento_api["tomador"]["razaoSocial"] == nome.strip()
    assert ("ibscbs" in documento_api["servico"][0]) is ibscbs


@pytest.mark.parametrize("valor", ["0.01", "0.49", "999999999999.99"])
def test_iss_amount_is_rounded_to_cents(valor):
    imposto = _iss(Regime.LUCRO_REAL, Decimal("2.5"), None, True, Decimal(valor))
    assert imposto.valor == (Decimal(valor) * Decimal("2.5") / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert imposto.liquido(Decimal(valor)) == Decimal(valor) - imposto.valor
