"""CPF/CNPJ: cleaning, check digits (numeric and alphanumeric CNPJ), formatting, PT-BR errors."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentnfe.fiscal import DocumentoInvalido, formatar_documento, parse_cnpj, parse_documento
from agentnfe.fiscal.documents import cnpj_valido, completar_cnpj, completar_cpf, cpf_valido
from agentnfe.models import TipoDocumento


def receita_cnpj_digits(base: str) -> str:
    """Independent oracle: the Receita's published algorithm (value = ASCII code − 48)."""

    def digit(values, weights):
        rest = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
        return 0 if rest < 2 else 11 - rest

    values = [ord(c) - 48 for c in base]
    first = digit(values, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    second = digit(values + [first], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return f"{first}{second}"


@pytest.mark.parametrize(
    "texto, numero, tipo",
    [
        ("12.345.678/0001-95", "12345678000195", TipoDocumento.CNPJ),
        ("12345678000195", "12345678000195", TipoDocumento.CNPJ),
        ("12 345 678 0001 95", "12345678000195", TipoDocumento.CNPJ),
        ("11.222.333/0001-81", "11222333000181", TipoDocumento.CNPJ),
        ("12.ABC.345/01DE-35", "12ABC34501DE35", TipoDocumento.CNPJ),
        ("12abc34501de35", "12ABC34501DE35", TipoDocumento.CNPJ),
        ("123.456.789-09", "12345678909", TipoDocumento.CPF),
        ("529.982.247-25", "52998224725", TipoDocumento.CPF),
    ],
)
def test_valid_documents_are_cleaned_and_typed(texto, numero, tipo):
    documento = parse_documento(texto)
    assert documento.numero == numero
    assert documento.tipo is tipo


@pytest.mark.parametrize(
    "texto, mensagem",
    [
        ("43.268.432/0001-91", "O CNPJ 43.268.432/0001-91 é inválido, confira os dígitos."),
        ("11.222.333/0001-82", "O CNPJ 11.222.333/0001-82 é inválido, confira os dígitos."),
        ("12.ABC.345/01DE-36", "O CNPJ 12.ABC.345/01DE-36 é inválido, confira os dígitos."),
        ("123.456.789-00", "O CPF 123.456.789-00 é inválido, confira os dígitos."),
        ("111.111.111-11", "O CPF 111.111.111-11 é inválido, confira os dígitos."),
        ("00.000.000/0000-00", "O CNPJ 00.000.000/0000-00 é inválido, confira os dígitos."),
        ("1234", "1234 não parece um CPF (11 dígitos) nem um CNPJ (14 caracteres)."),
        ("12.ABC.345/01DE-3X", "12.ABC.345/01DE-3X não parece um CPF (11 dígitos) nem um CNPJ (14 caracteres)."),
    ],
)
def test_invalid_documents_explain_the_problem(texto, mensagem):
    with pytest.raises(DocumentoInvalido) as erro:
        parse_documento(texto)
    assert str(erro.value) == mensagem


def test_all_equal_digits_are_rejected_even_when_check_digits_match():
    for digit in "0123456789":
        assert not cpf_valido(digit * 11)
        assert not cnpj_valido(digit * 14)


def test_parse_cnpj_refuses_a_cpf():
    with pytest.raises(DocumentoInvalido, match="é um CPF"):
        parse_cnpj("123.456.789-09")


def test_formatting():
    assert formatar_documento("12345678000195") == "12.345.678/0001-95"
    assert formatar_documento("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert formatar_documento("12345678909") == "123.456.789-09"
    assert formatar_documento("123") == "123"


def test_completion_matches_the_receita_example():
    assert completar_cnpj("12ABC34501DE") == "12ABC34501DE35"
    assert completar_cpf("123456789") == "12345678909"


ALNUM = string.digits + string.ascii_uppercase
cnpj_bases = st.text(alphabet=ALNUM, min_size=12, max_size=12).filter(lambda b: len(set(b)) > 1)
cpf_bases = st.text(alphabet=string.digits, min_size=9, max_size=9).filter(lambda b: len(set(b)) > 1)


@given(cnpj_bases)
def test_generated_cnpjs_validate(base):
    numero = base + receita_cnpj_digits(base)
    assert cnpj_valido(numero)
    assert parse_documento(formatar_documento(numero)).numero == numero
    assert completar_cnpj(base) == numero


def receita_cpf_digits(base: str) -> str:
    values = [int(c) for c in base]
    for size in (10, 11):
        rest = sum(v * w for v, w in zip(values, range(size, 1, -1), strict=True)) % 11
        values.append(0 if rest < 2 else 11 - rest)
    return f"{values[-2]}{values[-1]}"


def mutate(numero: str, position: int, replacement: str) -> str:
    return numero[:position] + replacement + numero[position + 1 :]


@given(cnpj_bases, st.integers(0, 13), st.sampled_from(ALNUM))
def test_a_changed_cnpj_is_rejected_unless_the_official_digits_coincide(base, position, replacement):
    numero = base + receita_cnpj_digits(base)
    if numero[position] == replacement or (position >= 12 and not replacement.isdigit()):
        return
    mutated = mutate(numero, position, replacement)
    if position >= 12:
        assert not cnpj_valido(mutated)  # a wrong check digit is always caught
    else:
        # mod 11 maps remainders 0 and 1 to the same digit and cannot see changes of 11 (A=17 ↔ L=28):
        # those few mutations are valid for the Receita too; everything else must be refused.
        assert cnpj_valido(mutated) == (receita_cnpj_digits(mutated[:12]) == numero[12:])


@given(cpf_bases, st.integers(0, 10), st.sampled_from(string.digits))
def test_a_changed_cpf_is_rejected_unless_the_official_digits_coincide(base, position, replacement):
    numero = completar_cpf(base)
    assert cpf_valido(numero)
    if numero[position] == replacement:
        return
    mutated = mutate(numero, position, replacement)
    expected = position < 9 and receita_cpf_digits(mutated[:9]) == numero[9:] and len(set(mutated)) > 1
    assert cpf_valido(mutated) == expected


def test_nearly_every_single_digit_change_is_caught():
    """Exhaustive over every position and digit of a few documents: the blind spots stay rare."""
    caught = total = 0
    for base in ("112223330001", "123456780001", "12ABC34501DE", "987654320001"):
        numero = completar_cnpj(base)
        for position in range(14):
            for digit in string.digits:
                if numero[position] != digit:
                    total += 1
                    caught += not cnpj_valido(mutate(numero, position, digit))
    assert caught / total > 0.97


def test_the_official_algorithm_cannot_tell_a_from_l():
    assert cnpj_valido("12ABC34501DE35")
    assert cnpj_valido("12LBC34501DE35")
