"""Generated whole conversations, each with the note it must end in (or none): field by field, corrections of
each field while the espelho is shown, yes and no in natural words, giving up, an invalid document then the
right one, a CPF tomador whose name is asked. Built from the labels, fixed seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from .gerador_corpus import SERVICOS, VALORES, _cnpj, _cpf, _formato_cnpj, _formato_cpf, _formato_valor

SEMENTE = 20261128
TOTAL = 240

SIM = [
    "sim", "pode sim, obrigado", "isso mesmo, pode emitir", "manda ver", "👍", "ok", "confirmo", "tá certo, pode mandar",
    "pode emitir", "certo, obrigada!", "s", "beleza, pode gerar", "perfeito 👍", "fechado", "Sim!", "SIM", "ok pode",
    "isso", "pode ser", "confirmado ✅",
]  # fmt: skip
ESPERA = ["ainda não", "pera", "espera aí", "não", "calma", "👎", "não, espera"]
DESISTE = ["cancela", "deixa pra lá", "desisto", "esquece", "não quero mais", "cancelar"]
SAUDACOES = ["oi", "bom dia", "olá, tudo bem?", "boa tarde!", "opa"]
NOMES = ["Maria da Silva", "João Pereira", "Ana Paula Souza", "Carlos Eduardo Lima", "o nome é Fernanda Alves"]


@dataclass(frozen=True)
class Conversa:
    mensagens: list[str]
    esperado: tuple[str, str, str] | None
    """(document, value, description) of the note the conversation must end in; None: it ends with no note."""
    familia: str


def _documento(sorteio: random.Random) -> tuple[str, str, bool]:
    if sorteio.random() < 0.75:
        numero = _cnpj(sorteio)
        return numero, _formato_cnpj(numero, sorteio), False
    numero = _cpf(sorteio)
    return numero, _formato_cpf(numero, sorteio), True


def _errado(numero: str) -> str:
    """The same document with its last check digit wrong, dotted as people type it."""
    ultimo = str((int(numero[-1]) + 1) % 10)
    n = numero[:-1] + ultimo
    if len(n) == 14:
        return f"{n[:2]}.{n[2:5]}.{n[5:8]}/{n[8:12]}-{n[12:]}"
    return f"{n[:3]}.{n[3:6]}.{n[6:9]}-{n[9:]}"


def _conversa(sorteio: random.Random) -> Conversa:
    numero, documento, cpf = _documento(sorteio)
    valor = sorteio.choice(VALORES)
    valor_texto = _formato_valor(valor, sorteio)
    descricao = sorteio.choice(SERVICOS)
    nome = [sorteio.choice(NOMES)] if cpf else []
    sim = sorteio.choice(SIM)
    tipo = sorteio.choice(["campo_a_campo", "tudo_junto", "corrige_valor", "corrige_documento", "corrige_descricao",
                           "desiste", "documento_invalido", "espera_e_confirma"])  # fmt: skip
    esperado = (numero, f"{Decimal(valor):.2f}", descricao)
    pedido = f"nota de {valor_texto} para {documento}, {descricao}"
    if tipo == "campo_a_campo":
        partes = [f"nota de {valor_texto}", f"para {documento}", descricao]
        sorteio.shuffle(partes)
        mensagens = [sorteio.choice(SAUDACOES), *partes, *nome, sim]
    elif tipo == "tudo_junto":
        mensagens = [pedido, *nome, sim]
    elif tipo == "corrige_valor":
        novo = sorteio.choice([v for v in VALORES if v != valor])
        correcao = sorteio.choice(["não, o valor é {}", "o valor correto é {}", "valor {}", "na verdade é {}",
                                   "foi mal, o certo é {}", "errei, são {}"])  # fmt: skip
        mensagens = [pedido, *nome, correcao.format(_formato_valor(novo, sorteio)), sim]
        esperado = (numero, f"{Decimal(novo):.2f}", descricao)
    elif tipo == "corrige_documento":
        novo_numero, novo_documento, novo_cpf = _documento(sorteio)
        correcao = sorteio.choice(["o cnpj é {}", "{}", "desculpa, {}", "o documento certo é {}", "errei, é o {}"])
        if novo_cpf:
            correcao = correcao.replace("cnpj", "cpf")
        novo_nome = [sorteio.choice(NOMES)] if novo_cpf else []
        mensagens = [pedido, *nome, correcao.format(novo_documento), *novo_nome, sim]
        esperado = (novo_numero, f"{Decimal(valor):.2f}", descricao)
    elif tipo == "corrige_descricao":
        nova = sorteio.choice([s for s in SERVICOS if s != descricao])
        correcao = sorteio.choice(["a descrição é {}", "descrição: {}", "na verdade a descrição correta é {}",
                                   "não, a descrição é {}"])  # fmt: skip
        mensagens = [pedido, *nome, correcao.format(nova), sim]
        esperado = (numero, f"{Decimal(valor):.2f}", nova)
    elif tipo == "desiste":
        mensagens = [pedido, *nome, sorteio.choice(DESISTE)]
        esperado = None
    elif tipo == "documento_invalido":
        mensagens = [f"nota de {valor_texto} para {_errado(numero)}, {descricao}", documento, *nome, sim]
    else:
        mensagens = [pedido, *nome, sorteio.choice(ESPERA), sim]
    return Conversa(mensagens, esperado, tipo + ("+cpf" if cpf else ""))


def gerar(total: int = TOTAL, semente: int = SEMENTE) -> list[Conversa]:
    sorteio = random.Random(semente)
    return [_conversa(sorteio) for _ in range(total)]
