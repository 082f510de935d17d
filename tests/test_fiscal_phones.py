"""Phone normalisation: E.164 digits, Brazilian mobiles with the 9th digit."""

import pytest

from agentnfe.fiscal import TelefoneInvalido, formatar_telefone, normalizar_telefone


@pytest.mark.parametrize(
    "texto",
    [
        "5511987654321",
        "551187654321",  # arrived without the 9th digit
        "+55 (11) 98765-4321",
        "11 98765-4321",
        "(11) 8765-4321",
        "011 98765-4321",
        "0055 11 98765-4321",
        "551187654321@s.whatsapp.net",
    ],
)
def test_every_way_of_writing_a_mobile_gives_the_same_number(texto):
    assert normalizar_telefone(texto) == "5511987654321"


def test_landlines_keep_eight_digits():
    assert normalizar_telefone("(11) 3333-4444") == "551133334444"
    assert normalizar_telefone("551133334444") == "551133334444"


def test_ddd_55_is_not_mistaken_for_the_country_code():
    assert normalizar_telefone("(55) 99999-9999") == "5555999999999"


def test_foreign_numbers_need_a_plus_and_stay_as_digits():
    assert normalizar_telefone("+1 415 555 2671") == "14155552671"


@pytest.mark.parametrize(
    "texto, motivo",
    [
        ("123", "não é um telefone válido"),
        ("", "não é um telefone válido"),
        ("abc", "não é um telefone válido"),
        ("(10) 98765-4321", "DDD 10"),
        ("5520987654321", "DDD 20"),
        ("11 18765-4321", "não começa com 9"),
        ("(11) 1333-4444", "não é um número válido"),
    ],
)
def test_invalid_numbers_are_explained(texto, motivo):
    with pytest.raises(TelefoneInvalido, match=motivo):
        normalizar_telefone(texto)


def test_display_format():
    assert formatar_telefone("5511987654321") == "+55 (11) 98765-4321"
    assert formatar_telefone("551133334444") == "+55 (11) 3333-4444"
    assert formatar_telefone("14155552671") == "+14155552671"
