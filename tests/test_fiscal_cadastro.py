"""UF, IBGE municipality codes, CEP, LC 116 service codes and ISS rates."""

from decimal import Decimal

import pytest

from agentnfe.cadastros.validacao import validar_empresa
from agentnfe.fiscal import (
    LocalidadeInvalida,
    ServicoInvalido,
    parse_aliquota,
    parse_cep,
    parse_codigo_municipio,
    parse_codigo_servico,
    parse_uf,
)


def test_uf_and_ibge_code_must_agree():
    assert parse_uf(" sp ") == "SP"
    assert parse_codigo_municipio("3550308", "SP") == "3550308"
    with pytest.raises(LocalidadeInvalida, match="não pertence a RJ"):
        parse_codigo_municipio("3550308", "RJ")
    with pytest.raises(LocalidadeInvalida, match="7 dígitos"):
        parse_codigo_municipio("7107", "SP")  # the old TOM code BrasilAPI also returns
    with pytest.raises(LocalidadeInvalida, match="não existe"):
        parse_uf("XX")


def test_cep():
    assert parse_cep("01310-100") == "01310100"
    with pytest.raises(LocalidadeInvalida):
        parse_cep("0131")


@pytest.mark.parametrize("texto", ["1.07", "01.07", "0107", " 01.07 "])
def test_service_code_forms(texto):
    assert parse_codigo_servico(texto) == "01.07"


@pytest.mark.parametrize("texto", ["", "107", "1.7", "41.01", "00.01", "01.00", "abc", "01.07.1"])
def test_bad_service_codes(texto):
    with pytest.raises(ServicoInvalido):
        parse_codigo_servico(texto)


def test_iss_rate():
    assert parse_aliquota("2,5", mei=False) == Decimal("2.5000")
    assert parse_aliquota("5", mei=False) == Decimal("5.0000")
    assert parse_aliquota("3.25%", mei=False) == Decimal("3.2500")
    assert parse_aliquota("0", mei=True) == Decimal("0")
    with pytest.raises(ServicoInvalido, match="só vale para MEI"):
        parse_aliquota("0", mei=False)
    with pytest.raises(ServicoInvalido, match="0 a 5"):
        parse_aliquota("5,01", mei=False)
    with pytest.raises(ServicoInvalido, match="não é um número"):
        parse_aliquota("dois", mei=False)
    with pytest.raises(ServicoInvalido, match="casas decimais"):
        parse_aliquota("2,12345", mei=False)
    with pytest.raises(ServicoInvalido, match="0 a 5"):
        parse_aliquota("NaN", mei=False)


def test_the_two_percent_floor_has_the_three_exceptions_of_the_law():
    from agentnfe.fiscal.servicos import ITENS_SEM_PISO

    with pytest.raises(ServicoInvalido, match="abaixo do mínimo de 2%"):
        parse_aliquota("1,99", mei=False, codigo_servico="17.01")
    assert ITENS_SEM_PISO == {"07.02", "07.05", "16.01"}  # LC 116/2003 art. 8-A §1
    for item in sorted(ITENS_SEM_PISO):
        assert parse_aliquota("1,5", mei=False, codigo_servico=item) == Decimal("1.5000")
    assert parse_aliquota("1,5", mei=True) == Decimal("1.5000")


def test_national_service_code_nbs_and_ibs_cbs_codes():
    from agentnfe.fiscal.servicos import (
        formatar_nbs,
        parse_aliquota_simples,
        parse_cclass_trib,
        parse_codigo_tributacao_nacional,
        parse_cst_ibscbs,
        parse_nbs,
    )

    assert parse_codigo_tributacao_nacional("01.07.01", "01.07") == "010701"
    for ruim in ("0107", "410101", "010001", "01070A"):
        with pytest.raises(ServicoInvalido, match="código de tributação nacional"):
            parse_codigo_tributacao_nacional(ruim)
    with pytest.raises(ServicoInvalido, match="não corresponde ao item 17.01"):
        parse_codigo_tributacao_nacional("010701", "17.01")
    assert parse_nbs("1.0101.10.00") == "101011000" and formatar_nbs("101011000") == "1.0101.10.00"
    with pytest.raises(ServicoInvalido, match="9 dígitos"):
        parse_nbs("1.0101.10")
    assert parse_cst_ibscbs("000") == "000" and parse_cclass_trib("000.001") == "000001"
    with pytest.raises(ServicoInvalido):
        parse_cst_ibscbs("0")
    assert parse_aliquota_simples("1,87") == Decimal("1.8700")
    with pytest.raises(ServicoInvalido, match="maior que 0"):
        parse_aliquota_simples("0")


@pytest.mark.parametrize(
    "regime, retido, aliquota, valor_iss",
    [
        ("mei", True, None, None),
        ("simples_nacional", False, None, None),
        ("simples_nacional", True, Decimal("1.87"), Decimal("28.05")),
        ("lucro_presumido", False, Decimal("3"), Decimal("45.00")),
        ("lucro_real", True, Decimal("3"), Decimal("45.00")),
    ],
)
def test_iss_of_a_note_by_regime(regime, retido, aliquota, valor_iss):
    from agentnfe.fiscal import iss
    from agentnfe.models import Regime

    imposto = iss.calcular(Regime(regime), Decimal("3"), Decimal("1.87"), retido, Decimal("1500.00"))
    assert (imposto.aliquota, imposto.valor) == (aliquota, valor_iss)
    assert imposto.retido is (retido and regime != "mei")
    esperado = Decimal("1500.00") - valor_iss if imposto.retido else Decimal("1500.00")
    assert imposto.liquido(Decimal("1500.00")) == esperado


def test_a_withheld_simples_note_needs_the_simples_rate():
    from agentnfe.fiscal import iss
    from agentnfe.models import Regime

    with pytest.raises(iss.AliquotaSimplesFaltando):
        iss.calcular(Regime.SIMPLES_NACIONAL, Decimal("2"), None, True, Decimal("100"))


@pytest.mark.parametrize("especial", ["me_epp_simples", "cooperativa", "autonomo"])
def test_a_mei_with_any_special_regime_but_mei_is_refused_with_the_rules_words(especial):
    _, erros = validar_empresa({"regime": "mei", "regime_especial": especial})
    assert erros["regime_especial"] == (
        'o regime especial deve ser "Nenhum" quando o prestador é MEI (regra E0174 do emissor nacional)'
    )
    assert validar_empresa({"regime": "mei", "regime_especial": "mei"})[1] == {}
