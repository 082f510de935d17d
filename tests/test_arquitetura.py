"""The shape of the code: every layer imports only downward, no module imports itself back through others, and
no module grows past 400 lines. Imports are read from the source (function-local ones included)."""

import ast
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
PACOTES = ("agentnfe", "admin", "bot", "tasks")
MAXIMO_DE_LINHAS = 400

CAMADAS = [
    ("agentnfe.relogio", "agentnfe.config", "agentnfe.crypto", "agentnfe.logs", "agentnfe.metricas",
     "agentnfe.proxies", "agentnfe.requisicao",
     "agentnfe.planilha", "agentnfe.sqlite"),
    ("agentnfe.fiscal",),
    ("agentnfe.models", "agentnfe.extensions", "agentnfe.queue", "agentnfe.resultados", "agentnfe.rotulos",
     "agentnfe.estatisticas"),
    ("agentnfe.integrations", "agentnfe.perfis", "agentnfe.contas", "agentnfe.cadastro", "agentnfe.importacao",
     "agentnfe.auditoria", "agentnfe.convenios"),
    ("agentnfe.emission",),
    ("agentnfe.conversation",),
    ("agentnfe.health", "agentnfe.seed", "agentnfe.backup"),
    ("tasks",),
    ("admin", "bot"),
    ("agentnfe.cli", "agentnfe.cli_backup", "agentnfe.cli_desktop", "agentnfe.cli_fechamento", "agentnfe.cli_bench", "agentnfe.cli_servicos", "agentnfe.cli_nacional", "agentnfe.__main__", "agentnfe"),
]  # fmt: skip
"""Lowest first: a module may import its own layer's modules and any layer below, never one above."""


def _modulos() -> dict[str, Path]:
    modulos = {}
    for pacote in PACOTES:
        for arquivo in (RAIZ / pacote).rglob("*.py"):
            if "migrations" in arquivo.parts:
                continue
            partes = arquivo.relative_to(RAIZ).with_suffix("").parts
            nome = ".".join(partes[:-1] if partes[-1] == "__init__" else partes)
            modulos[nome] = arquivo
    return modulos


def _importados(nome: str, arquivo: Path, modulos: dict[str, Path]) -> set[str]:
    """The project's modules `nome` imports (`from . import x` resolved to the submodule when there is one)."""
    pacote = nome if arquivo.name == "__init__.py" else nome.rpartition(".")[0]
    alvos = set()
    for no in _nos_em_execucao(ast.parse(arquivo.read_text())):
        if isinstance(no, ast.Import):
            alvos.update(a.name for a in no.names)
        elif isinstance(no, ast.ImportFrom):
            base = no.module or ""
            if no.level:
                partes = pacote.split(".")
                raiz = ".".join(partes[: len(partes) - no.level + 1])
                base = f"{raiz}.{base}" if base else raiz
            for apelido in no.names:
                completo = f"{base}.{apelido.name}"
                alvos.add(completo if completo in modulos else base)
    return {alvo for alvo in alvos if alvo in modulos and alvo != nome}


def _nos_em_execucao(arvore: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (imports for annotations only)."""
    pendentes = [arvore]
    while pendentes:
        no = pendentes.pop()
        yield no
        for filho in ast.iter_child_nodes(no):
            if isinstance(filho, ast.If) and isinstance(filho.test, ast.Name) and filho.test.id == "TYPE_CHECKING":
                pendentes.extend(filho.orelse)
                continue
            pendentes.append(filho)


def _grafo() -> dict[str, set[str]]:
    modulos = _modulos()
    return {nome: _importados(nome, arquivo, modulos) for nome, arquivo in modulos.items()}


def _camada(nome: str) -> int:
    melhor = None
    for indice, prefixos in enumerate(CAMADAS):
        for prefixo in prefixos:
            if nome == prefixo or nome.startswith(prefixo + "."):
                if melhor is None or len(prefixo) > melhor[1]:
                    melhor = (indice, len(prefixo))
    assert melhor is not None, f"{nome} belongs to no layer: add it to CAMADAS"
    return melhor[0]


def test_every_layer_imports_only_downward():
    subidas = [
        f"{origem} → {destino}"
        for origem, destinos in _grafo().items()
        for destino in destinos
        if _camada(destino) > _camada(origem) and not (origem == "agentnfe" and destino.startswith("agentnfe."))
    ]
    assert subidas == []


def test_no_module_imports_itself_back():
    grafo = _grafo()
    ciclos = set()

    def visitar(caminho: list[str]) -> None:
        for proximo in grafo[caminho[-1]]:
            if proximo == caminho[0]:
                ciclos.add(" → ".join(sorted(caminho)))
            elif proximo not in caminho and proximo > caminho[0]:
                visitar([*caminho, proximo])

    for inicio in grafo:
        if not inicio.endswith(".__init__"):
            visitar([inicio])
    ciclos = {c for c in ciclos if not _so_pacote_e_filhos(c)}
    assert ciclos == set()


def _so_pacote_e_filhos(ciclo: str) -> bool:
    """A package's __init__ re-exporting its submodules, which import their siblings, is not a cycle of design."""
    nomes = ciclo.split(" → ")
    return any(all(n == pai or n.startswith(pai + ".") for n in nomes) and pai in nomes for pai in nomes)


def test_no_module_is_longer_than_400_lines():
    longos = {
        nome: len(arquivo.read_text().splitlines())
        for nome, arquivo in _modulos().items()
        if len(arquivo.read_text().splitlines()) > MAXIMO_DE_LINHAS
    }
    assert longos == {}


def test_the_layers_know_every_module():
    desconhecidos = []
    for nome in _modulos():
        try:
            _camada(nome)
        except AssertionError:
            desconhecidos.append(nome)
    assert desconhecidos == []
