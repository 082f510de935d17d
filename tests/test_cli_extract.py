"""`python -m agentnfe extract`: the JSON Lines contract of docs/arquitetura.md §7."""

import json

import pytest

from .conftest import bot_settings

KEYS = ["id", "documento", "tipo_documento", "valor", "descricao", "nome_tomador", "fonte", "erros"]


def run(runner, linhas, *args):
    entrada = "".join(linha + "\n" for linha in linhas)
    resultado = runner.invoke(args=["extract", *args], input=entrada)
    assert resultado.exit_code == 0, resultado.output
    return [json.loads(linha) for linha in resultado.stdout.splitlines()]


def test_contract_rules_only(runner):
    saida = run(
        runner,
        [
            json.dumps({"id": "a", "text": "nota de R$ 1.500,00 para 12.345.678/0001-95, consultoria de março"}),
            json.dumps({"id": "b", "text": "para o cpf 529.982.247-25 aula de violão, 350 reais"}),
            "isto não é json",
            json.dumps({"id": "c", "text": "nota de 1500 para 43.268.432/0001-91 consultoria"}),
            json.dumps({"id": "d"}),
            json.dumps({"id": 7, "text": "nota 2000 cnpj 12.ABC.345/01DE-35 suporte"}),
            json.dumps({"id": "e", "text": "R$ 0,00"}),
        ],
        "--no-llm",
    )
    assert all(list(linha) == KEYS for linha in saida)
    assert saida[0] == {
        "id": "a", "documento": "12345678000195", "tipo_documento": "cnpj", "valor": "1500.00",
        "descricao": "Consultoria de março", "nome_tomador": None, "fonte": "regras", "erros": [],
    }  # fmt: skip
    assert (saida[1]["documento"], saida[1]["tipo_documento"], saida[1]["valor"]) == ("52998224725", "cpf", "350.00")
    assert saida[2] == {**dict.fromkeys(KEYS), "fonte": "regras", "erros": ["entrada_invalida"]}
    assert (saida[3]["documento"], saida[3]["tipo_documento"], saida[3]["erros"]) == (
        None,
        None,
        ["documento_invalido"],
    )
    assert saida[4]["id"] == "d" and saida[4]["erros"] == ["entrada_invalida"]
    assert saida[5]["id"] == "7" and saida[5]["documento"] == "12ABC34501DE35"
    assert saida[6]["valor"] is None and saida[6]["erros"] == ["valor_invalido"]


def test_reads_a_file_and_fails_only_when_it_cannot(runner, tmp_path):
    arquivo = tmp_path / "in.jsonl"
    arquivo.write_text(json.dumps({"id": "1", "text": "nota 3k 11.222.333/0001-81 consultoria"}) + "\n")
    resultado = runner.invoke(args=["extract", "--no-llm", str(arquivo)])
    assert resultado.exit_code == 0 and json.loads(resultado.stdout)["valor"] == "3000.00"
    faltando = runner.invoke(args=["extract", str(tmp_path / "nao-existe.jsonl")])
    assert faltando.exit_code != 0 and "cannot read" in faltando.output


AMBIGUO = json.dumps({"id": "x", "text": "nota para 12.345.678/0001-95, 1500 ou 1800, consultoria"})


def test_llm_fills_what_the_rules_could_not(make_app, openai_fake, evolution):
    openai_fake.campos = {
        "documento": None,
        "nome_tomador": None,
        "valor": "1800.00",
        "descricao": None,
        "intencao": "emitir",
    }
    app = make_app(**bot_settings(evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1"))
    [linha] = run(app.test_cli_runner(), [AMBIGUO])
    assert (linha["valor"], linha["fonte"], linha["erros"]) == ("1800.00", "llm", [])
    [sem] = run(app.test_cli_runner(), [AMBIGUO], "--no-llm")
    assert (sem["valor"], sem["fonte"], sem["erros"]) == (None, "regras", [])
    assert openai_fake.chamadas == 1


@pytest.mark.parametrize("modo", ["500", "recusa"])
def test_llm_unavailable_is_reported(make_app, openai_fake, evolution, modo):
    openai_fake.modo = modo
    app = make_app(**bot_settings(evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1"))
    [linha] = run(app.test_cli_runner(), [AMBIGUO])
    assert linha["valor"] is None and linha["erros"] == ["llm_indisponivel"] and linha["documento"] == "12345678000195"


def test_no_key_reports_llm_unavailable_only_when_it_was_needed(runner):
    ambiguo, claro = run(runner, [AMBIGUO, json.dumps({"id": "y", "text": "nota 1500 12.345.678/0001-95 consultoria"})])
    assert ambiguo["erros"] == ["llm_indisponivel"]
    assert claro["erros"] == []
