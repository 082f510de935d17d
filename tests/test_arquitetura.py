"""The shape of the code: every layer imports only downward, no module imports itself back through others, and
no module grows past 400 lines. Imports are read from the source (function-local ones included)."""

import ast
import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
PACOTES = ("agentnfe", "admin", "bot", "tasks")
MAXIMO_DE_LINHAS = 400

CAMADAS = [
    ("agentnfe", "agentnfe.infra", "agentnfe.infra.hosts", "agentnfe.infra.relogio", "agentnfe.infra.config", "agentnfe.infra.crypto", "agentnfe.infra.logs",
     "agentnfe.infra.metricas", "agentnfe.infra.proxies", "agentnfe.infra.requisicao", "agentnfe.infra.sqlite",
     "agentnfe.planilha"),
    ("agentnfe.fiscal",),
    ("agentnfe.models", "agentnfe.infra.extensions", "agentnfe.infra.queue", "agentnfe.infra.resultados",
     "agentnfe.infra.estatisticas", "agentnfe.infra.transacao", "agentnfe.rotulos"),
    ("agentnfe.integrations", "agentnfe.cadastros", "agentnfe.contas", "agentnfe.auditoria"),
    ("agentnfe.emission",),
    ("agentnfe.conversation",),
    ("agentnfe.infra.health", "agentnfe.infra.backup", "agentnfe.seed"),
    ("tasks",),
    ("admin", "bot"),
    ("agentnfe.cli", "agentnfe.__main__", "agentnfe.app"),
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
            if nome == prefixo or (prefixo != "agentnfe" and nome.startswith(prefixo + ".")):
                if melhor is None or len(prefixo) > melhor[1]:
                    melhor = (indice, len(prefixo))
    assert melhor is not None, f"{nome} belongs to no layer: add it to CAMADAS"
    return melhor[0]


def test_every_layer_imports_only_downward():
    subidas = [
        f"{origem} → {destino}"
        for origem, destinos in _grafo().items()
        for destino in destinos
        if _camada(destino) > _camada(origem)
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
    assert ciclos == set()


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


def test_importing_the_fiscal_rules_loads_no_framework():
    """agentnfe's package loads nothing; the pure fiscal rules stand without Flask, SQLAlchemy, Huey or httpx."""
    codigo = (
        "import sys, agentnfe.fiscal, agentnfe.fiscal.money, agentnfe.fiscal.iss, agentnfe.fiscal.documents; "
        "print(','.join(m for m in ('flask', 'sqlalchemy', 'huey', 'httpx') if m in sys.modules))"
    )
    saida = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, capture_output=True, text=True, check=True)
    assert saida.stdout.strip() == ""
