"""Competência: the month of the service, never later than the emission month, read in the firm's time zone."""

from datetime import UTC, date, datetime, timedelta

import pytest

from agentnfe.conversation.regras import extrair


@pytest.mark.parametrize(
    "texto, hoje, esperado",
    [
        ("consultoria referente a março", date(2027, 1, 15), date(2026, 3, 1)),
        ("consultoria referente a março", date(2027, 3, 2), date(2027, 3, 1)),
        ("consultoria de dezembro", date(2027, 1, 15), date(2026, 12, 1)),
        ("competência 11/2026, consultoria", date(2027, 1, 15), date(2026, 11, 1)),
        ("consultoria do mês passado", date(2027, 1, 15), date(2026, 12, 1)),
    ],
)
def test_a_month_said_is_never_a_future_month(texto, hoje, esperado):
    assert extrair(texto, hoje).competencia == esperado


@pytest.mark.parametrize("texto", ["consultoria de março de 2027", "competência 02/2027, consultoria"])
def test_an_explicit_future_competencia_is_refused(texto):
    leitura = extrair(texto, date(2027, 1, 15))
    assert leitura.competencia is None
    assert "é posterior ao mês atual" in leitura.competencia_invalida


@pytest.mark.parametrize(
    "texto, dia",
    [
        ("nota de 1500 para 12.345.678/0001-95, consultoria prestada em 15/11/2026", date(2026, 11, 15)),
        ("nota de 1500 para 12.345.678/0001-95, consultoria do dia 03/11", date(2026, 11, 3)),
        ("nota de 1500 para 12.345.678/0001-95, manutenção realizada dia 5 de novembro", date(2026, 11, 5)),
        ("nota de 1500 para 12.345.678/0001-95, instalação feita em 28/12/25", date(2025, 12, 28)),
        ("nota de 1500 para 12.345.678/0001-95, limpeza em 20/12", date(2025, 12, 20)),  # no year: not in the future
    ],
)
def test_the_day_of_the_service_is_read_and_gives_the_competencia_without_becoming_a_value(texto, dia):
    leitura = extrair(texto, date(2026, 12, 7))
    assert (leitura.data_servico, leitura.competencia) == (dia, dia.replace(day=1))
    assert leitura.valor == 1500 and not leitura.ambiguos


@pytest.mark.parametrize("texto", ["consultoria prestada em 31/02/2026", "consultoria de março, 2 horas"])
def test_no_day_is_made_up(texto):
    assert extrair(texto, date(2026, 12, 7)).data_servico is None


def test_a_day_of_service_after_today_is_refused():
    leitura = extrair("consultoria prestada em 15/12/2026", date(2026, 12, 7))
    assert leitura.data_servico is None and "é depois de hoje" in leitura.competencia_invalida


def _hoje():
    return (datetime.now(UTC) - timedelta(hours=3)).date()


def test_the_bot_refuses_a_future_competencia_and_warns_about_an_old_one(whatsapp, alfa):
    hoje = _hoje()
    futuro = date(hoje.year + 1, 1, 1)
    resposta = whatsapp.enviar(f"nota de 900 para 12.345.678/0001-95, consultoria, competência {futuro:%m/%Y}")
    assert resposta.startswith(f"A competência {futuro:%m/%Y} é posterior ao mês atual")
    antiga = date(hoje.year - 1, hoje.month, 1)
    espelho = whatsapp.enviar(f"competência {antiga:%m/%Y}")
    assert f"Competência: {antiga:%m/%Y}" in espelho
    assert f"⚠️ A competência {antiga:%m/%Y} é de mais de um mês atrás" in espelho
    espelho = whatsapp.enviar(f"competência {hoje:%m/%Y}")
    assert f"Competência: {hoje:%m/%Y}" in espelho and "mais de um mês atrás" not in espelho
