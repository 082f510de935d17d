"""The PlugNotas document built from a note is pure and matches the sample request."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from agentnfe.emission.payload import REGIMES, empresa_plugnotas, montar
from agentnfe.models import ClienteTomador, Empresa, FonteTomador, NFSe, Regime, ServicoEmpresa, TipoDocumento

AMOSTRA = json.loads((Path(__file__).parent / "data/plugnotas_nfse_request.json").read_text())


def objetos(regime=Regime.SIMPLES_NACIONAL, iss_retido=False, aliquota="2.0000", valor="1500.00"):
    empresa = Empresa(
        cnpj="98765432000198", inscricao_municipal="1234567", razao_social="PRESTADORA SERVICOS LTDA",
        codigo_municipio="3550308", uf="SP", cep="01310100", regime=regime,
    )  # fmt: skip
    servico = ServicoEmpresa(
        codigo_servico="01.07",
        codigo_tributacao_municipal="010701",
        cnae="6209100",
        aliquota_iss=Decimal(aliquota),
        iss_retido=False,
    )
    tomador = ClienteTomador(
        documento="12345678000195", tipo_documento=TipoDocumento.CNPJ, razao_social="EXEMPLO CONSULTORIA LTDA",
        email="financeiro@exemplo.com.br", logradouro="AVENIDA PAULISTA", numero="1000", bairro="BELA VISTA",
        codigo_municipio="3550308", municipio="SAO PAULO", uf="SP", cep="01310100", fonte=FonteTomador.BRASILAPI,
    )  # fmt: skip
    nota = NFSe(
        id_integracao="agentnfe-000123", valor=Decimal(valor), descricao="Consultoria de março",
        competencia=date(2026, 3, 1), aliquota_iss=None if regime is Regime.MEI else Decimal(aliquota), iss_retido=iss_retido,
    )  # fmt: skip
    return nota, empresa, servico, tomador


def test_matches_the_sample_request():
    [documento] = montar(*objetos())
    [amostra] = AMOSTRA
    assert documento["idIntegracao"] == amostra["idIntegracao"]
    assert documento["prestador"] == amostra["prestador"]
    assert documento["tomador"] == amostra["tomador"]
    assert documento["servico"] == amostra["servico"]
    assert documento["competencia"] == "2026-03-01"


def test_money_is_rounded_half_up_at_the_edge():
    [documento] = montar(*objetos(valor="1234.565"))
    assert documento["servico"][0]["valor"] == {"servico": 1234.57, "baseCalculo": 1234.57}
    assert json.dumps(documento["servico"][0]["valor"]) == '{"servico": 1234.57, "baseCalculo": 1234.57}'


def test_withholding_follows_the_note_and_rates_keep_decimals():
    [documento] = montar(*objetos(iss_retido=True, aliquota="2.5000"))
    assert documento["servico"][0]["iss"] == {"aliquota": 2.5, "tipoTributacao": 1, "exigibilidade": 1, "retido": True}


def test_mei_sends_no_iss_rate_and_the_special_regime():
    [documento] = montar(*objetos(regime=Regime.MEI, aliquota="0"))
    assert "aliquota" not in documento["servico"][0]["iss"]
    assert documento["prestador"]["regimeTributarioEspecial"] == 5
    assert documento["prestador"]["simplesNacional"] is True


def test_regime_table_covers_every_regime_and_normal_regimes_are_not_simples():
    assert set(REGIMES) == set(Regime)
    for regime in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL):
        [documento] = montar(*objetos(regime=regime))
        assert documento["prestador"]["simplesNacional"] is False
        assert documento["prestador"]["regimeTributario"] == REGIMES[regime][0]


def test_optional_2026_fields_go_only_when_present():
    nota, empresa, servico, tomador = objetos()
    assert "nbs" not in montar(nota, empresa, servico, tomador)[0]["servico"][0]
    servico.nbs, servico.cclass_trib = "1.0101.10.00", "000001"
    item = montar(nota, empresa, servico, tomador)[0]["servico"][0]
    assert (item["nbs"], item["cClassTrib"]) == ("1.0101.10.00", "000001")


def test_company_registration_carries_the_certificate_id():
    _, empresa, _, _ = objetos()
    dados = empresa_plugnotas(empresa, "cert-0001")
    assert dados["certificado"] == "cert-0001" and dados["cpfCnpj"] == "98765432000198"
    assert dados["endereco"] == {"codigoCidade": "3550308", "estado": "SP", "cep": "01310100"}
