"""Rules extractor: tomador document, valor, descrição, tomador name, competência and intent of a message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..fiscal import Documento, DocumentoInvalido, ValorInvalido, parse_documento, parse_valor
from ..fiscal.money import NUMEROS_POR_EXTENSO
from .datas import ANO_ANTES, ler_competencia, ler_dia_do_servico
from .intencoes import Intencao, desiste, ler_intencao
from .nomes import ler_nome
from .texto import limpar_espacos, so_palavras
from .trechos import PALAVRAS_DE_BORDA, livre, sem, trechos_de


@dataclass
class Extracao:
    """What one message says; None means the message did not mention the field."""

    documento: Documento | None = None
    documento_invalido: str | None = None
    documento_ilegivel: str | None = None
    """A run shaped like a document that no document pattern reads (a separator mix, a digit too many or few)."""
    valor: Decimal | None = None
    valor_invalido: str | None = None
    descricao: str | None = None
    nome_tomador: str | None = None
    competencia: date | None = None
    competencia_invalida: str | None = None
    """A competência later than the current month (the month of the service cannot be in the future)."""
    data_servico: date | None = None
    """The day the service was provided, when the message says it ("prestado em 15/11", "dia 5 de novembro"): the
    national DPS's dCompet."""
    intencao: Intencao | None = None
    numero_nota: str | None = None
    descricao_explicita: bool = False
    """The description came after a marker ("descrição:", "referente a"…), not from leftover words."""
    ambiguos: list[str] = field(default_factory=list)
    sinais: list[str] = field(default_factory=list)
    """Fields the text seems to carry but the rules could not read (worth an LLM call)."""

    @property
    def tem_dados(self) -> bool:
        return any(v is not None for v in (self.documento, self.valor, self.descricao, self.nome_tomador))


def _alinhado(texto: str) -> str:
    """Lowercase, accent-free copy with exactly one character per original character (spans stay valid)."""
    saida = []
    for char in texto:
        simples = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode().lower()
        saida.append(simples[:1] if simples else " ")
    return "".join(saida)


# --- documents ------------------------------------------------------------------------------------
_SEP = r"\s?[./\- ]?\s?"
"""Between the blocks of a document people type a dot, slash, dash, space, or nothing."""
_DOC_PATTERNS = [
    r"(?<![\w/])[0-9A-Za-z]{2}\.[0-9A-Za-z]{3}\.[0-9A-Za-z]{3}\s?/\s?[0-9A-Za-z]{4}\s?-?\s?\d{2}(?![\w/])",
    rf"(?<![\w/.,\-])\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}{_SEP}\d{{2}}(?![\w/]|[.,]\d)",
    r"(?<![\w/])(?=[0-9A-Z]*[A-Z])(?=(?:[A-Z]*\d){4})[0-9A-Z]{12}\d{2}(?![\w/])",
    rf"(?<![\w/.,\-])\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{2}}(?![\w/]|[.,]\d)",
]
_DOC = re.compile("|".join(f"(?:{p})" for p in _DOC_PATTERNS))
_FORMA_DE_DOCUMENTO = re.compile(r"(?<![\w,.])\d(?:[\d./\-]|\s(?=\d))*\d(?!\w|[.,]\d)")
"""A run of digits and separators: with 9 digits or more it is a document (maybe mistyped), never a value."""
_DOC_LABEL = re.compile(
    r"\b(cnpj|cpf)\b\s*(?:n[o.]?\s*)?(?:do (?:tomador|cliente)\s*)?[:\-]?\s*([0-9a-z][0-9a-z./\- ]{6,24}[0-9a-z])"
)

# --- values ---------------------------------------------------------------------------------------
_NUM = r"\d[\d.,]*\d|\d"
_NUM_INICIO = r"(?<![\d.,])"
"""A number starts where no digit or separator stands before it. Without this a pattern that fails after a run
of 4,096 digits was tried again from each of them (quadratic: 3.5 s for one message)."""
_SCALE = r"(?:\s*(?:mil|k|mi)\b|k\b)"
_WORD = "|".join(sorted(NUMEROS_POR_EXTENSO, key=len, reverse=True))
_CENTENAS = "cem|cento|duzent[oa]s|trezent[oa]s|quatrocent[oa]s|quinhent[oa]s|seiscent[oa]s|setecent[oa]s|oitocent[oa]s|novecent[oa]s"
_WORDS_RUN = rf"(?:(?:{_WORD}|mil|milhao|milhoes)\b(?:\s+e\s+|\s+)?){{1,16}}"
"""A number in words: whole words (without `\b`, "dezoito" also read as "dez"+"oito", and a run of them took
exponential time), at most 16 (the longest amount written out has 12: "novecentos e noventa e nove milhões…"),
so that a run of number words costs each start a bounded scan."""
_COUNT_NOUNS = (
    "sessoes|horas|hrs|hs|h|min|minutos|dias|diarias|meses|semanas|anos|unidades|un|pessoas|aulas|visitas|vezes|"
    "x|km|kg|funcionarios|itens|parcelas|noites|consultas|paginas|laudas|fotos|videos|posts|turmas|alunos|"
    "colaboradores|maquinas|computadores|equipamentos|licencas|usuarios|m2|m|metros|litros|pecas|caixas|projetos|"
    "reunioes|encontros|atendimentos|plantoes|pontos|eventos|apresentacoes|treinamentos|servicos|palestras|mensalidades"
)
_VALUE_MARKED = [
    rf"r\s?\$\s*(?P<a>(?:{_NUM}){_SCALE}?)",
    rf"{_NUM_INICIO}(?P<b>(?:{_NUM}){_SCALE}?)\s*(?:reais|real|conto|contos|pila|pilas)\b",
    rf"\b(?:valor|vlr|vl|total|preco)\b(?:\s+(?:correto|certo|total|da nota|do servico|de|e|eh|sera|fica|ficou|final|novo)){{0,3}}\s*[:=]?\s*(?:r\s?\$\s*)?(?P<c>(?:{_NUM}){_SCALE}?)",
    rf"{_NUM_INICIO}(?P<d>(?:{_NUM})\s*(?:mil|k)\b(?:\s+e\s+(?:{_NUM}|{_WORDS_RUN}))?|\d+(?:[.,]\d+)?k\b)",
    rf"\b(?P<e>{_WORDS_RUN}(?:reais|real)\b)",
    rf"\b(?P<f>(?:{_WORD})(?:\s+e\s+{_WORDS_RUN}|\s+)?(?:mil|milhao|milhoes)\b(?:\s+e\s+{_WORDS_RUN})?)",
    rf"\b(?P<g>mil(?:\s+e\s+{_WORDS_RUN})?)",
    rf"\b(?P<h>(?:{_CENTENAS})(?:\s+e\s+{_WORDS_RUN})?)(?!\s*(?:{_COUNT_NOUNS})\b)",
]
_VALUE = re.compile("|".join(f"(?:{p})" for p in _VALUE_MARKED))
_BARE = re.compile(rf"(?<![\w/.,:\-])(?P<n>{_NUM})(?![\w/%]|[.,]\d|\s*/|:\d|\s*[ºª°o]\b|-\d)")
_CONTAGEM = re.compile(rf"\s*(?:(?:{_COUNT_NOUNS})\b|%)")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}/\d{4}\b|\b\d{1,2}[:h]\d{2}\b|\b\d{5}-\d{3}\b")
_NOTA_NUMERO = re.compile(r"\b(?:numero|n[o.])\s*$")

# --- description --------------------------------------------------------------------------------------
_DESC_EXPLICIT = re.compile(
    r"(?:\b(?:descricao|discriminacao|desc|servico prestado|referente a[os]?|referente|pelo servico de|pelos servicos de)\b|\bref\.|\bref\s*:)\s*[:\-]?\s*"
    r"|\bservicos?\s*:\s*"
)
_FILLER = [
    r"\b(?:oi+|ola|opa|eai|e ai|bom dia|boa tarde|boa noite|tudo bem\??|tudo bom\??|td bem|hello|hey)\b",
    r"\b(?:por favor|por gentileza|pfv|pf|pls|obrigad[oa]|obg|vlw|valeu|grato|grata|abs|abracos?)\b",
    r"\b(?:desde ja\s+)?(?:agradeco|agradecid[oa]|muito obrigad[oa]|brigad[oa]|obrigadao|tmj|att|atenciosamente)\b"
    r"(?:\s+desde ja)?|\bfico no aguardo\b|\baguardo\b",
    r"\b(?:eu\s+)?(?:preciso|precisava|quero|queria|gostaria|solicito|pode|poderia|consegue|da pra|dá pra|vamos|favor)\b(?:\s+(?:de|que|me|voce|vc))*",
    r"\b(?:emitir|emite|emita|emitam|emiti|emitr|gerar|gera|gere|fazer|faz|faca|tirar|tira|tire|lancar|lanca|mandar|manda|soltar|solta|sair)\b",
    r"\b(?:corrig\w*|troc\w*|mud\w*|alter\w*)\s+(?:o|a|pra|para)\b",
    r"\b(?:na verdade|errei|me enganei|o certo e|o correto e|mesmo|seria|sera|me ve|me manda|me faz|me da)\b",
    r"\bsegue(?:m)?\b(?:\s+(?:os|as))?(?:\s+dados)?",
    r"\b(?:uma|a|um)?\s*(?:nota fiscal(?: eletronica)?(?: de servicos?)?|(?:nota+|nt)\s+fiscal|notinha|nota+|nt|nfs-?e|nf-?e|nf|nfse)\b(?:\s+de\s+servicos?\b)?",
    r"\b(?:para|pra|pro|p/|ao)\s+(?:(?:o|a)\s+)?(?:cnpj|cpf|cliente|tomador|empresa)\b",
    r"\b(?:cnpj|cpf)\b(?:\s+(?:do|da)\s+(?:tomador|cliente|empresa))?(?:\s*n[o.]\b)?\s*:?",
    r"\b(?:no|com|de|pelo|pela)?\s*(?:valor|vlr|vl|total|preco)\b(?:\s+(?:de|total|:))?",
    r"\b(?:tomador|cliente)\b\s*:?",
    r"\bpelo servico de\b|\bpelos servicos de\b",
    r"\b(?:competencia|comp\.)\s*:?",
    r"\b(?:hoje|agora|urgente|rapidinho|ai)\b",
    r"\bpessoa (?:fisica|juridica)\b|\bpj\b",
]
_FILLER_RE = re.compile("|".join(f"(?:{p})" for p in _FILLER))
_ENCHIMENTO = {
    "foi", "mal", "desculpa", "desculpe", "perdao", "ops", "certo", "correto", "certa", "correta", "pode", "sim",
    "nao", "ok", "isso", "mesmo", "entao", "tipo", "ne", "coisa", "so", "errei", "enganei", "verdade", "seria",
    "segue", "agora", "ja", "obrigado", "obrigada", "bom", "dia", "boa", "tarde", "noite", "bem", "beleza", "blz",
    "faz", "fazer", "que", "eh", "e", "o", "a", "de", "do", "da", "um", "uma", "pra", "para", "la", "ai", "aqui",
    "por", "favor", "esse", "essa", "este", "esta", "ta", "tudo", "mas", "como", "falei", "disse", "quis", "dizer",
}  # fmt: skip
"""Words that never make a description on their own ("foi mal, o certo é…", "desculpa", "pode")."""
_CORRECAO_DESC = re.compile(
    r"\b(?:a\s+)?(?:descricao|desc|servico)\s+(?:correta|certa|correto|certo)?\s*(?:e|eh|sera|fica|:)\s*"
)


def _documentos(original: str, dobrado: str, ocupados: list[tuple[int, int]], resultado: Extracao) -> None:
    validos: dict[str, Documento] = {}
    invalido = None
    for match in _DOC.finditer(original):
        candidato = match.group(0)
        if re.search(r"[a-z]", candidato) and not re.search(r"[./]", candidato):
            continue  # lowercase run without punctuation: a word, not an alphanumeric CNPJ
        ocupados.append(match.span())
        try:
            documento = parse_documento(candidato)
        except DocumentoInvalido as erro:
            invalido = invalido or str(erro)
            continue
        validos[documento.numero] = documento
    for match in _DOC_LABEL.finditer(dobrado):
        if not livre(match.span(2), ocupados):
            continue
        bruto = original[match.start(2) : match.end(2)]
        bruto = re.split(r"\s{2,}|\s(?=[A-Za-z]{3,})", bruto)[0]
        if len(re.sub(r"\W", "", bruto)) < 8 or not re.search(r"\d{4}", bruto):
            continue
        ocupados.append((match.start(2), match.start(2) + len(bruto)))
        try:
            documento = parse_documento(bruto)
            validos[documento.numero] = documento
        except DocumentoInvalido:
            rotulo = match.group(1).upper()
            invalido = invalido or f"O {rotulo} {bruto.strip()} está incompleto ou inválido, confira os dígitos."
    ilegivel = None
    for match in _FORMA_DE_DOCUMENTO.finditer(original):
        if livre(match.span(), ocupados) and len(re.sub(r"\D", "", match.group(0))) >= 9:
            ocupados.append(match.span())
            ilegivel = ilegivel or match.group(0)
    if len(validos) > 1:
        resultado.ambiguos.append("documento")
    elif validos:
        resultado.documento = next(iter(validos.values()))
    elif invalido:
        resultado.documento_invalido = invalido
    elif ilegivel or re.search(r"\b(?:cnpj|cpf)\b", dobrado):
        resultado.sinais.append("documento")
        resultado.documento_ilegivel = ilegivel


def _parse_money(trecho: str) -> Decimal | None:
    try:
        return parse_valor(trecho)
    except ValorInvalido:
        return None


def _valores(dobrado: str, bloqueados: list[tuple[int, int]], resultado: Extracao) -> list[tuple[int, int]]:
    """Find the value: currency-marked amounts first, bare numbers only when none is marked."""
    usados: list[tuple[int, int]] = []
    marcados: dict[Decimal, tuple[int, int]] = {}
    for match in _VALUE.finditer(dobrado):
        grupo = next(name for name, value in match.groupdict().items() if value)
        if not livre(match.span(grupo), bloqueados) or not livre(match.span(), bloqueados):
            continue
        trecho = match.group(grupo)
        usados.append(match.span())
        valor = _parse_money(trecho)
        if valor is None:
            if re.search(r"\d", trecho) and not resultado.valor_invalido:
                resultado.valor_invalido = trecho
            continue
        marcados.setdefault(valor, match.span())
    if marcados:
        _escolher_valor(marcados, resultado)
        return usados
    soltos: dict[Decimal, tuple[int, int]] = {}
    for match in _BARE.finditer(dobrado):
        antes, numero = dobrado[max(0, match.start() - 20) : match.start()], match.group("n")
        if not livre(match.span(), bloqueados + usados) or _NOTA_NUMERO.search(antes):
            continue
        if re.fullmatch(r"(19|20)\d{2}", numero) and ANO_ANTES.search(antes):
            continue  # a year
        if re.fullmatch(r"\d{1,3}", numero) and _CONTAGEM.match(dobrado, match.end()):
            continue  # a count: "3 sessões", "2 horas"
        if numero == "1" and re.match(r"\s*[a-z]", dobrado[match.end() :]):
            continue  # "1 visita técnica"
        valor = _parse_money(numero)
        if valor is not None:
            soltos.setdefault(valor, match.span())
    usados.extend(soltos.values())
    if soltos:
        _escolher_valor(soltos, resultado)
    elif re.search(r"\d", sem(dobrado, bloqueados + usados)):
        resultado.sinais.append("valor")
    return usados


def _escolher_valor(candidatos: dict[Decimal, tuple[int, int]], resultado: Extracao) -> None:
    if len(candidatos) == 1:
        resultado.valor = next(iter(candidatos))
    else:
        resultado.ambiguos.append("valor")


_FIM_DE_FRASE = re.compile(r"[\n;]|(?<![0-9])[.!?](?![0-9])")


def _frases(original: str, dobrado: str) -> list[tuple[str, str]]:
    """The sentences of a text and of its folded twin, cut at the same places (found in the folded text: a
    character that folds differently — an Arabic-Indic digit beside a dot — cannot make the two disagree)."""
    pares, inicio = [], 0
    for corte in _FIM_DE_FRASE.finditer(dobrado):
        pares.append((original[inicio : corte.start()], dobrado[inicio : corte.start()]))
        inicio = corte.end()
    pares.append((original[inicio:], dobrado[inicio:]))
    return pares


def _descricao(original: str, dobrado: str, ocupados: list[tuple[int, int]], resultado: Extracao) -> str | None:
    explicita = _DESC_EXPLICIT.search(dobrado) or _CORRECAO_DESC.search(dobrado)
    resultado.descricao_explicita = explicita is not None
    inicio = explicita.end() if explicita else 0
    if explicita:
        ocupados = ocupados + [explicita.span()]
    candidatos = []
    resto = sem(original, ocupados)
    resto_dobrado = sem(dobrado, ocupados)
    for trecho, trecho_dobrado in _frases(resto[inicio:], resto_dobrado[inicio:]):
        limpo = _limpar_descricao(trecho, trecho_dobrado)
        if limpo:
            candidatos.append(limpo)
        elif limpo == "" and "descricao" not in resultado.sinais:
            resultado.sinais.append("descricao")
        if explicita and candidatos:
            break
    if not candidatos:
        return None
    descricao = ", ".join(candidatos) if not explicita else candidatos[0]
    return descricao[:1].upper() + descricao[1:]


_VIRGULAS = re.compile(r"[\s,;]+")


def _uma_virgula(trecho: re.Match) -> str:
    """A run of blanks holding two commas or more becomes one comma (matched as whole runs: linear on any text)."""
    return ", " if sum(c in ",;" for c in trecho.group()) >= 2 else trecho.group()


def _limpar_descricao(trecho: str, trecho_dobrado: str) -> str | None:
    chars = list(trecho)
    for match in _FILLER_RE.finditer(trecho_dobrado):
        chars[match.start() : match.end()] = " " * (match.end() - match.start())
    texto = "".join(chars)
    texto = re.sub(r"[^\w\s/&+\-'().,%ºª°]", " ", texto)
    texto = _VIRGULAS.sub(_uma_virgula, texto)  # the commas of fragments that held only filler
    texto = re.sub(r"^[\s,;.\-]+", "", texto)
    palavras = texto.split()
    while palavras and (so_palavras(palavras[0]) in PALAVRAS_DE_BORDA or not so_palavras(palavras[0])):
        palavras.pop(0)
    while palavras and (so_palavras(palavras[-1]) in PALAVRAS_DE_BORDA or not so_palavras(palavras[-1])):
        palavras.pop()
    descricao = limpar_espacos(" ".join(palavras)).strip(" ,.-:")
    if len(so_palavras(descricao)) < 3 or not re.search(r"[A-Za-zÀ-ÿ]{3}", descricao):
        return None
    if all(palavra in _ENCHIMENTO for palavra in so_palavras(descricao).split()):
        return ""  # something was said, but only filler
    return descricao


def extrair(texto: str, hoje: date) -> Extracao:
    """Read every field the rules can find in one message."""
    resultado = Extracao()
    original = texto or ""
    dobrado = _alinhado(original)
    resultado.intencao, resultado.numero_nota = ler_intencao(original)
    if resultado.intencao in (Intencao.AJUDA, Intencao.CONFIRMAR, Intencao.SAUDACAO, Intencao.CANCELAR_NOTA):
        return resultado
    ocupados: list[tuple[int, int]] = []
    _documentos(original, dobrado, ocupados, resultado)
    ler_competencia(dobrado, hoje, ocupados, resultado)
    dia = ler_dia_do_servico(dobrado, hoje, resultado)
    ocupados.extend(_valores(dobrado, ocupados + trechos_de(_DATE, dobrado) + dia, resultado))
    if resultado.intencao in (Intencao.CANCELAR, Intencao.NOVA):
        return resultado
    nome = ler_nome(original, dobrado, ocupados)
    if nome is not None:
        resultado.nome_tomador, trecho = nome
        ocupados.append(trecho)
    resultado.descricao = _descricao(original, dobrado, ocupados, resultado)
    if resultado.descricao and resultado.intencao is Intencao.NEGAR and desiste(so_palavras(resultado.descricao)):
        resultado.descricao = None
    return resultado
