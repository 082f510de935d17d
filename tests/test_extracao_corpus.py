"""Rules-only accuracy on the hand-written corpus and on the generated one (its held-back part never tuned on),
the cases that ask the LLM, and invalid check digits always refused."""

import json
from datetime import date

import pytest

from agentnfe.conversation.extrator import precisa_llm
from agentnfe.conversation.regras import extrair
from agentnfe.conversation.texto import so_palavras

from .corpus_extracao import CORPUS, CORPUS_NOVO, INVALIDO
from .gerador_corpus import ARQUIVO_RESERVADO, gerar, linhas

HOJE = date(2026, 11, 27)
CAMPOS = ("documento", "valor", "descricao", "nome_tomador")


def lido(extracao, campo):
    if campo == "documento":
        return extracao.documento.numero if extracao.documento else (INVALIDO if extracao.documento_invalido else None)
    valor = getattr(extracao, campo)
    if valor is None:
        return None
    return str(valor) if campo == "valor" else so_palavras(valor)


def esperado(entrada, campo):
    valor = entrada[1 + CAMPOS.index(campo)]
    return so_palavras(valor) if valor and campo in ("descricao", "nome_tomador") else valor


def acuracia(corpus):
    """Per-field accuracy, with the share of messages whose every field is right under "inteira"."""
    acertos = dict.fromkeys(CAMPOS, 0)
    inteiras = 0
    erros = []
    for entrada in corpus:
        extracao = extrair(entrada[0], HOJE)
        certa = True
        for campo in CAMPOS:
            if lido(extracao, campo) == esperado(entrada, campo):
                acertos[campo] += 1
            else:
                certa = False
                erros.append((campo, entrada[0], lido(extracao, campo), esperado(entrada, campo)))
        inteiras += certa
    taxas = {campo: acertos[campo] / len(corpus) for campo in CAMPOS}
    return {**taxas, "inteira": inteiras / len(corpus)}, erros


def test_corpus_is_large_and_varied():
    todos = CORPUS + CORPUS_NOVO
    assert len(todos) >= 200
    assert sum(1 for e in todos if e[1] == INVALIDO) >= 10
    assert sum(1 for e in todos if "\n" in e[0]) >= 5
    assert sum(1 for e in todos if e[0].isupper()) >= 5


def relatorio(nome, corpus):
    taxas, erros = acuracia(corpus)
    precisariam = sum(1 for e in corpus if precisa_llm(extrair(e[0], HOJE), set())) / len(corpus)
    campos = ", ".join(f"{c} {t:.1%}" for c, t in taxas.items())
    print(f"\n{nome}: {len(corpus)} messages; {campos}; would need the LLM: {precisariam:.1%}")
    for erro in erros:
        print("  miss:", erro)
    return taxas, erros


def test_rules_only_accuracy_per_field():
    relatorio("tuned on", CORPUS)
    relatorio("written after tuning", CORPUS_NOVO)
    taxas, erros = relatorio("all", CORPUS + CORPUS_NOVO)
    for campo in CAMPOS:
        assert taxas[campo] >= 0.98, (campo, taxas[campo], erros)
    assert taxas["inteira"] >= 0.98, erros


def _entradas(amostras):
    return [(a.texto, a.documento, a.valor, a.descricao, a.nome_tomador) for a in amostras]


def test_the_held_back_file_is_the_generators_held_back_part():
    ajuste, reservado = gerar()
    assert len(ajuste) + len(reservado) >= 1500 and 0.25 <= len(reservado) / (len(ajuste) + len(reservado)) <= 0.35
    assert ARQUIVO_RESERVADO.read_text(encoding="utf-8") == linhas(reservado)


def test_rules_only_accuracy_on_generated_messages():
    ajuste, _ = gerar()
    reservado = [json.loads(linha) for linha in ARQUIVO_RESERVADO.read_text(encoding="utf-8").splitlines()]
    entradas = [(r["texto"], r["documento"], r["valor"], r["descricao"], r["nome_tomador"]) for r in reservado]
    taxas_ajuste, _ = relatorio("generated, tuned on", _entradas(ajuste))
    taxas_reservado, erros = acuracia(entradas)
    precisariam = sum(1 for e in entradas if precisa_llm(extrair(e[0], HOJE), set())) / len(entradas)
    print(f"generated, held back: {len(entradas)} messages; full-field {taxas_reservado['inteira']:.1%}; "
          f"would need the LLM: {precisariam:.1%}")  # fmt: skip
    assert taxas_ajuste["inteira"] >= 0.99
    assert taxas_reservado["inteira"] >= 0.98, len(erros)


@pytest.mark.parametrize(
    "texto",
    [
        "nota de 1500 para 12.345.678/0001-9, consultoria",  # a digit missing
        "nota para 1234567800019 consultoria",  # 13 digits: never a value
        "nota de 300 para 12.345.678/0001--95, suporte",  # a separator mix no pattern reads
    ],
)
def test_a_document_shaped_run_the_rules_cannot_read_asks_the_llm_and_is_never_a_value(texto):
    extracao = extrair(texto, HOJE)
    assert extracao.documento is None and extracao.documento_ilegivel
    assert extracao.valor is None or extracao.valor < 10_000
    assert precisa_llm(extracao, set()) and precisa_llm(extracao, {"valor", "descricao"})


def test_a_description_made_only_of_filler_is_none_and_asks_the_llm_only_when_missing():
    extracao = extrair("foi mal, o certo é 12.345.678/0001-95", HOJE)
    assert extracao.descricao is None and extracao.documento.numero == "12345678000195"
    assert precisa_llm(extracao, set()) and not precisa_llm(extracao, {"descricao"})


@pytest.mark.parametrize(
    ("texto", "documento"),
    [
        ("nota de 500 pra 12.345.678 0001-95, consultoria", "12345678000195"),
        ("nota de 500 pra 12 345 678 0001 95, consultoria", "12345678000195"),
        ("nota de 500 pra 12345678-0001-95, consultoria", "12345678000195"),
        ("nota de 500 pra 12.345.678-0001-95, consultoria", "12345678000195"),
        ("nota de 500 pra 529 982 247 25, consultoria", "52998224725"),
        ("nota de 500 pra 529.982.247 25, consultoria", "52998224725"),
    ],
)
def test_document_separators_are_normalised_and_never_read_as_the_value(texto, documento):
    extracao = extrair(texto, HOJE)
    assert extracao.documento.numero == documento and str(extracao.valor) == "500.00"


def test_every_invalid_check_digit_is_refused():
    for texto, documento, *_ in CORPUS + CORPUS_NOVO:
        if documento == INVALIDO:
            extracao = extrair(texto, HOJE)
            assert extracao.documento is None, texto
            assert extracao.documento_invalido, texto
