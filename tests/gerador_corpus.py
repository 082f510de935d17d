"""Generated, labelled messages as business owners type them: templates × variants, fixed seed.

Each message is built from its labels (document, value, description, tomador name), so the label is right by
construction; the variants are the families people type: separators in documents, value formats and values
in words, fillers and politeness, emoji, caps, typos, word order, counts, months and dates beside the value,
Brazilian company names. 30 % is held back (`reservado`, also written to tests/data/corpus_reservado.jsonl by
`python -m tests.gerador_corpus`): measured, never tuned on.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

SEMENTE = 20261127
TOTAL = 1800
RESERVADO = 0.30
ARQUIVO_RESERVADO = Path(__file__).parent / "data" / "corpus_reservado.jsonl"


@dataclass(frozen=True)
class Amostra:
    texto: str
    documento: str
    valor: str
    descricao: str
    nome_tomador: str | None = None
    familia: str = ""


def _dv(valores: list[int], pesos: list[int]) -> int:
    resto = sum(v * p for v, p in zip(valores, pesos, strict=True)) % 11
    return 0 if resto < 2 else 11 - resto


def _cpf(sorteio: random.Random) -> str:
    valores = [sorteio.randrange(10) for _ in range(9)]
    for tamanho in (10, 11):
        valores.append(_dv(valores, list(range(tamanho, 1, -1))))
    return "".join(map(str, valores))


def _cnpj(sorteio: random.Random, alfanumerico: bool = False) -> str:
    simbolos = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ" if alfanumerico else "0123456789"
    base = "".join(sorteio.choice(simbolos) for _ in range(8)) + sorteio.choice(["0001", "0002", "0010"])
    valores = [ord(c) - 48 for c in base]
    pesos = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    primeiro = _dv(valores, pesos)
    return f"{base}{primeiro}{_dv([*valores, primeiro], [6, *pesos])}"


def _formato_cnpj(n: str, sorteio: random.Random) -> str:
    formas = [
        f"{n[:2]}.{n[2:5]}.{n[5:8]}/{n[8:12]}-{n[12:]}",
        n,
        f"{n[:2]}.{n[2:5]}.{n[5:8]} {n[8:12]}-{n[12:]}",  # a space for the slash
        f"{n[:2]} {n[2:5]} {n[5:8]} {n[8:12]} {n[12:]}",  # spaces between every block
        f"{n[:2]}.{n[2:5]}.{n[5:8]}/{n[8:12]}{n[12:]}",
        f"{n[:8]}/{n[8:12]}-{n[12:]}",
        f"{n[:2]}{n[2:5]}{n[5:8]}-{n[8:12]}-{n[12:]}",
        f"{n[:2]}.{n[2:5]}.{n[5:8]}-{n[8:12]}-{n[12:]}",
    ]
    return sorteio.choice(formas)


def _formato_cpf(n: str, sorteio: random.Random) -> str:
    formas = [
        f"{n[:3]}.{n[3:6]}.{n[6:9]}-{n[9:]}",
        n,
        f"{n[:3]} {n[3:6]} {n[6:9]} {n[9:]}",
        f"{n[:3]}.{n[3:6]}.{n[6:9]} {n[9:]}",
        f"{n[:9]}-{n[9:]}",
    ]
    return sorteio.choice(formas)


VALORES = [
    "80", "150", "250", "299.90", "350", "480", "499.90", "650", "800", "1200", "1500", "1750.50", "2300",
    "2500", "3000", "4200", "5000", "7800", "10000", "12500", "15750", "990", "1234.56", "60",
]  # fmt: skip
POR_EXTENSO = {
    "500": "quinhentos reais", "800": "oitocentos reais", "1000": "mil reais", "1500": "mil e quinhentos reais",
    "2000": "dois mil reais", "2500": "dois mil e quinhentos", "3000": "três mil reais", "5000": "cinco mil",
    "10000": "dez mil reais", "1200": "mil e duzentos", "150": "cento e cinquenta reais", "350": "trezentos e cinquenta",
}  # fmt: skip


def _brl(valor: Decimal, milhar: bool = True) -> str:
    inteiro, centavos = f"{valor:.2f}".split(".")
    if milhar:
        inteiro = f"{int(inteiro):,}".replace(",", ".")
    return f"{inteiro},{centavos}"


def _formato_valor(texto: str, sorteio: random.Random) -> str:
    valor = Decimal(texto)
    redondo = valor == valor.to_integral()
    formas = [f"R$ {_brl(valor)}", f"R${_brl(valor)}", f"{_brl(valor)}", f"{_brl(valor, False)}", f"R$ {_brl(valor)}"]
    if redondo:
        inteiro = int(valor)
        formas += [f"{inteiro}", f"{inteiro} reais", f"R$ {inteiro}", f"{inteiro},00"]
        if inteiro >= 1000:
            formas.append(f"{inteiro:,}".replace(",", "."))
            if inteiro % 1000 == 0:
                formas.append(f"{inteiro // 1000}k")
                formas.append(f"{inteiro // 1000} mil")
            elif inteiro % 100 == 0:
                formas.append(f"{str(inteiro / 1000).replace('.', ',')} mil")
        if texto in POR_EXTENSO:
            formas.append(POR_EXTENSO[texto])
    else:
        formas.append(f"{valor:.2f}")
    return sorteio.choice(formas)


SERVICOS = [
    "consultoria financeira", "manutenção de ar condicionado", "aula de violão", "desenvolvimento de site",
    "projeto elétrico residencial", "limpeza de escritório", "assessoria contábil", "design de logotipo",
    "fotografia de evento", "tradução de documentos", "conserto do telhado", "instalação de câmeras",
    "treinamento de equipe", "suporte técnico mensal", "consulta psicológica", "sessão de fisioterapia",
    "edição de vídeo", "revisão de texto", "hospedagem de site", "auditoria contábil anual",
    "implantação de sistema de ponto", "consultoria em marketing digital", "pintura de fachada",
    "manutenção preventiva de elevadores", "serviços de jardinagem", "aulas de inglês", "locação de som",
    "corte e escova", "dedetização do galpão", "assessoria jurídica", "gestão de redes sociais",
    "montagem de móveis", "consultoria tributária", "laudo técnico de engenharia", "frete de mudança",
    "buffet para evento", "manutenção de computadores", "criação de identidade visual", "mentoria de vendas",
    "serviço de pedreiro", "reforma do banheiro", "desenvolvimento de aplicativo", "consultoria de RH",
]  # fmt: skip
CONTAGENS = [
    "2 aulas de inglês", "10 horas de consultoria", "3 sessões de fisioterapia", "4 diárias de fotografia",
    "12 meses de suporte", "5 visitas técnicas", "20 horas de treinamento", "2 dias de evento",
]  # fmt: skip
MESES = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro"]
EMPRESAS = [
    "Padaria Estrela Ltda", "Mercadinho São Jorge", "Auto Peças Campinas Ltda", "Clínica Sorriso Feliz",
    "Construtora Horizonte Ltda", "Farmácia Vida de Curitiba", "Pousada Mar Azul", "Transportes Recife Ltda",
    "Maria da Silva", "João Pereira Souza", "Academia Corpo em Forma", "Escritório Almeida & Filhos",
]  # fmt: skip
CIDADES = ["Campinas", "Belo Horizonte", "Porto Alegre", "Salvador", "Fortaleza", "Goiânia", "Manaus", "Niterói"]

SAUDACOES = ["", "", "", "oi", "oi, tudo bem?", "bom dia!", "boa tarde", "boa noite,", "olá", "opa", "e aí"]
PEDIDOS = [
    "nota de", "emite uma nota de", "preciso de uma nf de", "faz uma nota de", "gera uma nota fiscal de",
    "consegue emitir uma nota de", "me vê uma nota de", "nf de", "nota fiscal de", "emitir nota de",
    "queria uma nota de", "pode fazer uma nota de",
]  # fmt: skip
CORTESIAS = ["", "", "", "obrigado!", "por favor", "pfv", "valeu", "🙏", "👍", "obg", "desde já agradeço"]
PARA = ["para", "pra", "pro", "p/", "para o", "para a empresa", "pro cliente", "para o cnpj", "pro cnpj"]
MARCA_DESCRICAO = ["", ", ", " - ", ", referente a ", ", ref. ", ", descrição: ", ". Serviço: ", " de "]


def _documento(sorteio: random.Random) -> tuple[str, str, str]:
    """(digits, as typed, kind label used in the text)."""
    escolha = sorteio.random()
    if escolha < 0.62:
        numero = _cnpj(sorteio)
        return numero, _formato_cnpj(numero, sorteio), "cnpj"
    if escolha < 0.70:
        numero = _cnpj(sorteio, alfanumerico=True)
        return numero, f"{numero[:2]}.{numero[2:5]}.{numero[5:8]}/{numero[8:12]}-{numero[12:]}", "cnpj"
    numero = _cpf(sorteio)
    return numero, _formato_cpf(numero, sorteio), "cpf"


def _descricao(sorteio: random.Random) -> tuple[str, str]:
    """(label, family)."""
    escolha = sorteio.random()
    if escolha < 0.15:
        return sorteio.choice(CONTAGENS), "contagem"
    servico = sorteio.choice(SERVICOS)
    if escolha < 0.30:
        return f"{servico} de {sorteio.choice(MESES)}", "mes"
    if escolha < 0.37:
        return f"{servico} em {sorteio.choice(CIDADES)}", "cidade"
    if escolha < 0.45:
        return f"{servico} do dia {sorteio.randint(1, 28):02d}/{sorteio.randint(1, 10):02d}", "data"
    return servico, "servico"


def _sem_acentos(texto: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", texto) if not unicodedata.combining(c))


def _erro_de_digitacao(texto: str, sorteio: random.Random) -> str:
    trocas = [
        ("nota", "notaa"),
        ("nota", "nt"),
        ("para", "pra"),
        ("você", "vc"),
        ("por favor", "pf"),
        ("fiscal", "fical"),
    ]
    antes, depois = sorteio.choice(trocas)
    return texto.replace(antes, depois, 1)


def _amostra(sorteio: random.Random) -> Amostra:
    numero, documento, rotulo = _documento(sorteio)
    valor = sorteio.choice(VALORES + list(POR_EXTENSO))
    valor_texto = _formato_valor(valor, sorteio)
    descricao, familia = _descricao(sorteio)
    nome = None
    para = sorteio.choice(PARA)
    if rotulo == "cpf" and para.endswith("cnpj"):
        para = "para o cpf"
    clausula_doc = f"{para} {documento}"
    if sorteio.random() < 0.12:
        nome = sorteio.choice(EMPRESAS)
        clausula_doc = sorteio.choice([f"para {nome}, {rotulo} {documento}", f"{rotulo} {documento}, cliente: {nome}"])
        familia += "+nome"
    pedido = sorteio.choice(PEDIDOS)
    marca = sorteio.choice(MARCA_DESCRICAO)
    ordem = sorteio.randrange(4)
    if ordem == 0:
        corpo = f"{pedido} {valor_texto} {clausula_doc}{marca or ', '}{descricao}"
    elif ordem == 1:
        corpo = f"{pedido.rsplit(' de', 1)[0]} {clausula_doc}, valor {valor_texto}{marca or ', '}{descricao}"
    elif ordem == 2:
        corpo = f"{descricao}{sorteio.choice([', ', ' - ', '. '])}{valor_texto} {clausula_doc}"
        familia += "+ordem"
    else:
        separador = sorteio.choice(["\n", " | ", "; "])
        corpo = separador.join([f"{rotulo}: {documento}", f"valor: {valor_texto}", f"serviço: {descricao}"])
        if nome:
            corpo += f"{separador}cliente: {nome}"
        familia += "+campos"
    partes = [sorteio.choice(SAUDACOES), corpo, sorteio.choice(CORTESIAS)]
    texto = " ".join(p for p in partes if p)
    estilo = sorteio.random()
    if estilo < 0.08:
        texto, familia = texto.upper(), familia + "+caixa_alta"
    elif estilo < 0.18:
        texto, familia = _sem_acentos(texto.lower()), familia + "+sem_acento"
    elif estilo < 0.26:
        texto, familia = _erro_de_digitacao(texto, sorteio), familia + "+erro"
    return Amostra(texto, numero, f"{Decimal(valor):.2f}", descricao, nome, familia)


def gerar(total: int = TOTAL, semente: int = SEMENTE) -> tuple[list[Amostra], list[Amostra]]:
    """(tuning part, held-back part): the same messages and split for the same seed."""
    sorteio = random.Random(semente)
    amostras = [_amostra(sorteio) for _ in range(total)]
    divisao = random.Random(semente + 1)
    reservado = [divisao.random() < RESERVADO for _ in amostras]
    return (
        [a for a, r in zip(amostras, reservado, strict=True) if not r],
        [a for a, r in zip(amostras, reservado, strict=True) if r],
    )


def linhas(amostras: list[Amostra]) -> str:
    return "".join(json.dumps(asdict(a), ensure_ascii=False) + "\n" for a in amostras)


if __name__ == "__main__":
    ARQUIVO_RESERVADO.write_text(linhas(gerar()[1]), encoding="utf-8")
