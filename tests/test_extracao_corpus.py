"""Rules-only accuracy on the labelled corpus (≥ 95 % per field) and invalid check digits always refused."""

from datetime import date

from agentnfe.conversation.extrator import precisa_llm
from agentnfe.conversation.regras import extrair
from agentnfe.conversation.texto import so_palavras

from .corpus_extracao import CORPUS, CORPUS_NOVO, INVALIDO

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
    acertos = dict.fromkeys(CAMPOS, 0)
    erros = []
    for entrada in corpus:
        extracao = extrair(entrada[0], HOJE)
        for campo in CAMPOS:
            if lido(extracao, campo) == esperado(entrada, campo):
                acertos[campo] += 1
            else:
                erros.append((campo, entrada[0], lido(extracao, campo), esperado(entrada, campo)))
    return {campo: acertos[campo] / len(corpus) for campo in CAMPOS}, erros


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
    for campo, taxa in taxas.items():
        assert taxa >= 0.95, (campo, taxa, erros)


def test_every_invalid_check_digit_is_refused():
    for texto, documento, *_ in CORPUS + CORPUS_NOVO:
        if documento == INVALIDO:
            extracao = extrair(texto, HOJE)
            assert extracao.documento is None, texto
            assert extracao.documento_invalido, texto
