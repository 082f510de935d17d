"""UF, IBGE municipality codes, CEP, LC 116 service codes and ISS rates."""

from decimal import Decimal

import pytest

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
