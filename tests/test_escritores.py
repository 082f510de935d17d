"""One writer per table (docs/arquitetura.md §8): every table names the one module whose operations write it.
tests/escritores.py traces every change the suite causes to the product module that made it; at the end of the
run (conftest) any change by another module fails it."""

from __future__ import annotations

import types

from agentnfe.infra.extensions import db
from agentnfe.models import Contabilidade

from . import escritores

ESCRITORES: dict[str, str] = {
    "auditoria": "agentnfe.auditoria",
    "notificacao": "agentnfe.emission.avisos",
    "sonda_escrita": "agentnfe.infra.health",
    "certificado": "agentnfe.emission.certificados",
    "contabilidade": "agentnfe.contas",
    "user": "agentnfe.contas",
    "empresa": "agentnfe.cadastros.empresas",
    "servico_empresa": "agentnfe.cadastros.empresas",
    "usuario_empresa": "agentnfe.cadastros.empresas",
    "cliente_tomador": "agentnfe.cadastros.tomadores",
    "empresa_cliente_tomador": "agentnfe.cadastros.tomadores",
    "sessao": "agentnfe.conversation.escrita",
    "mensagem": "agentnfe.conversation.escrita",
    "nfse": "agentnfe.emission.registro",
    "nfse_tentativa": "agentnfe.emission.registro",
}  # fmt: skip
"""table → its writer."""

EXCECOES = ("agentnfe.seed",)
"""`seed-demo` bulk-loads demo data into every table."""


def violacoes(vistos: dict[str, dict[str, str]]) -> list[str]:
    """Each change by a module the map does not allow, as `table ← module (what it did)`."""
    return sorted(
        f"{tabela} ← {modulo} ({o_que})"
        for tabela, por_modulo in vistos.items()
        for modulo, o_que in por_modulo.items()
        if modulo != ESCRITORES.get(tabela) and modulo not in EXCECOES
    )


def test_every_table_names_its_writer():
    assert sorted(ESCRITORES) == sorted(db.metadata.tables)


def test_a_change_is_traced_to_the_module_that_made_it_and_an_unnamed_writer_is_caught(app):
    falso = types.ModuleType("admin.views.falso")
    exec("def criar(Contabilidade):\n    return Contabilidade(nome='Criada pelo painel')", falso.__dict__)
    try:
        falso.criar(Contabilidade)
        assert "admin.views.falso" in escritores.vistos["contabilidade"]
        assert "contabilidade ← admin.views.falso (new object)" in violacoes(escritores.vistos)
    finally:
        escritores.vistos["contabilidade"].pop("admin.views.falso", None)


def test_the_tests_own_set_up_is_not_a_writer(app):
    antes = {tabela: dict(modulos) for tabela, modulos in escritores.vistos.items()}
    db.session.add(Contabilidade(nome="Do teste"))
    db.session.flush()
    assert {tabela: dict(modulos) for tabela, modulos in escritores.vistos.items()} == antes
    db.session.rollback()
