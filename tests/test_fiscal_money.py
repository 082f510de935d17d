"""BRL amounts as people type them, to Decimal and back."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentnfe.fiscal import ValorInvalido, formatar_brl, parse_valor


@pytest.mark.parametrize(
    "texto, esperado",
    [
        ("R$ 1.500,00", "1500.00"),
        ("1500", "1500.00"),
        ("1.500", "1500.00"),
        ("1500.50", "1500.50"),
        ("1500.5", "1500.50"),
        ("1,5 mil", "1500.00"),
        ("3k", "3000.00"),
        ("3,5k", "3500.00"),
        ("499,90", "499.90"),
        ("R$800", "800.00"),
        ("r$ 800", "800.00"),
        ("10 mil reais", "10000.00"),
        ("mil e quinhentos", "1500.00"),
        ("Mil e Quinhentos Reais", "1500.00"),
        ("dois mil e quinhentos", "2500.00"),
        ("2 mil e 500", "2500.00"),
        ("duzentos e cinquenta mil", "250000.00"),
        ("um milhão e duzentos mil", "1200000.00"),
        ("três mil", "3000.00"),
        ("1.500.000,00", "1500000.00"),
        ("1,500.50", "1500.50"),
        ("1,500", "1500.00"),
        ("0,50", "0.50"),
        ("R$ 1.234.567,89", "1234567.89"),
        ("mil reais e cinquenta centavos", "1000.50"),
        ("cinquenta centavos", "0.50"),
        ("10 reais e 5 centavos", "10.05"),
        ("1500,555", "1500.56"),  # half-up
        ("1500,545", "1500.55"),
        ("1500,544", "1500.54"),
        ("R$ 1.500,00.", "1500.00"),
    ],
)
def test_parses_what_people_type(texto, esperado):
    valor = parse_valor(texto)
    assert isinstance(valor, Decimal)
    assert valor == Decimal(esperado)
    assert valor.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "texto, mensagem",
    [
        ("0", "maior que zero"),
        ("0,00", "maior que zero"),
        ("-5", "maior que zero"),
        ("R$ -1.500,00", "maior que zero"),
        ("0,001", "maior que zero"),
        ("", "Não encontrei um valor"),
        ("abc", "Não entendi o valor"),
        ("1.2.3,4,5", "Não entendi o valor"),
        ("1500 300", "Não entendi o valor"),
        ("k", "Não entendi o valor"),
        ("12,34,56", "Não entendi o valor"),
        ("1..5", "Não entendi o valor"),
        ("R$", "Não entendi o valor"),
        ("1 real e 150 centavos", "Não entendi o valor"),
        ("9999999999999", "alto demais"),
        ("1" * 30, "alto demais"),  # beyond a Decimal's precision: a refusal, never an exception
        ("9" * 4096 + ",5", "alto demais"),
    ],
)
def test_rejects_nonsense_and_non_positive(texto, mensagem):
    with pytest.raises(ValorInvalido, match=mensagem):
        parse_valor(texto)


@pytest.mark.parametrize(
    "valor, texto",
    [
        ("1500", "R$ 1.500,00"),
        ("0.5", "R$ 0,50"),
        ("1234567.891", "R$ 1.234.567,89"),
        ("999", "R$ 999,00"),
        ("0.005", "R$ 0,01"),
    ],
)
def test_formats_the_brazilian_way(valor, texto):
    assert formatar_brl(Decimal(valor)) == texto


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2))
def test_format_then_parse_round_trips(valor):
    assert parse_valor(formatar_brl(valor)) == valor
