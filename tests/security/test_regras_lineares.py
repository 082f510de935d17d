"""A message cannot freeze the worker: the rules read any text in time linear in its length (the benchmark prints
the worst family against tests/hostis.ORCAMENTO_MS), and an unknown number's messages are never read at all."""

import signal
import time
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentnfe.conversation.engine import execucao

from ..hostis import PEDACOS, TAMANHO, ler, repetir

LIMITE_S = 0.5
"""Ten times the budget: a reading slower than this is a runaway pattern, not a slow machine (before the fix a
message of digits took 3.5 s and one of "dezoito" repeated never finished)."""


@contextmanager
def no_maximo(segundos: float):
    """Stop a runaway reading instead of hanging the suite."""

    def estourou(*_):
        raise TimeoutError(f"the rules ran past {segundos} s")

    anterior = signal.signal(signal.SIGALRM, estourou)
    signal.setitimer(signal.ITIMER_REAL, segundos)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, anterior)


def tempo_de(texto: str, vezes: int = 1) -> float:
    """The best of `vezes` readings (a busy machine only adds time)."""
    tempos = []
    for _ in range(vezes):
        inicio = time.perf_counter()
        with no_maximo(LIMITE_S * 4):
            ler(texto)
        tempos.append(time.perf_counter() - inicio)
    return min(tempos)


@pytest.mark.parametrize("pedaco", PEDACOS)
def test_every_hostile_family_reads_in_linear_time(pedaco):
    """The longest message a phone can send, and then the same run four times longer: four times the work, not
    sixteen (with room for a noisy machine)."""
    curto, longo = tempo_de(repetir(pedaco), 2), tempo_de(repetir(pedaco, 4 * TAMANHO), 2)
    assert curto < LIMITE_S
    assert longo < max(10 * curto, 0.05), (curto, longo)


unidade = st.lists(
    st.one_of(st.sampled_from(PEDACOS), st.text(st.characters(codec="utf-8"), max_size=4)), min_size=1, max_size=4
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unidade.filter(bool), st.text(max_size=40))
def test_any_repeated_unit_reads_within_the_limit(pedaco, resto):
    """Mixed runs (a hostile unit repeated to the stored length, with anything after it) read within the limit."""
    assert tempo_de(repetir(pedaco, TAMANHO - len(resto)) + resto) < LIMITE_S


def test_an_unknown_number_is_refused_once_and_its_messages_never_reach_the_rules(whatsapp, alfa, monkeypatch):
    lidos = []
    real = execucao.extrair
    monkeypatch.setattr(execucao, "extrair", lambda texto, hoje: lidos.append(texto) or real(texto, hoje))
    desconhecido = "5521999990000"
    respostas = [whatsapp.enviar("9" * TAMANHO, telefone=desconhecido) for _ in range(5)]
    assert "não está autorizado" in respostas[0] and respostas[1:] == [""] * 4
    assert lidos == []
    hostil = repetir("1,", TAMANHO - 6) + " reais"
    assert whatsapp.enviar(hostil)  # an authorized phone is read, and answered
    assert lidos and set(lidos) == {hostil}


def test_a_digit_that_folds_to_nothing_beside_a_dot_cuts_the_same_sentences_in_both_texts():
    """An Arabic-Indic digit after a dot: once a digit for the original and a blank for the folded copy, which
    cut sentences in different places and crashed the reading."""
    ler("consultoria 1.٣ feita. Obrigado")
    ler(("\x1b1.٣" * 1100)[:TAMANHO])
