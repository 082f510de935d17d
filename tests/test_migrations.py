"""The committed migrations build exactly the models' schema, and go down and up again."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from agentnfe.app import create_app
from agentnfe.infra.extensions import db

from .conftest import TEST_DATABASE_URL

SCHEMA = "migration_check"


@pytest.fixture
def fresh_app(clean_env):
    """An app on an empty database of its own: a new SQLite file, or a private PostgreSQL schema."""
    overrides = {"CACHE_TYPE": "SimpleCache"}
    if TEST_DATABASE_URL:
        admin = sa.create_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        overrides["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    app = create_app(overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_the_models_schema_and_downgrade_removes_it(fresh_app):
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diffs == []
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)


def test_db_upgrade_command(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "empresa" in _tables() and "nfse" in _tables()


def test_names_given_by_firms_move_from_the_shared_registry_to_the_empresas_links(fresh_app):
    """Data written before the tomador split keeps working: what a firm said moves to its link."""
    upgrade(revision="935f286b2b2f")
    agora = "2026-11-01 10:00:00"
    with db.engine.begin() as conexao:
        executar = lambda sql: conexao.execute(sa.text(sql))  # noqa: E731
        executar(
            f"INSERT INTO contabilidade (id, nome, nome_chave, criado_em, atualizado_em) VALUES (1, 'F', 'f', '{agora}', '{agora}')"
        )
        executar(
            "INSERT INTO empresa (id, contabilidade_id, cnpj, razao_social, codigo_municipio, uf, regime, ativa, criado_em, "
            f"atualizado_em) VALUES (1, 1, '11222333000181', 'Alfa', '3550308', 'SP', 'simples_nacional', true, '{agora}', '{agora}')"
        )
        for id_, documento, tipo, razao, fonte in (
            (1, "12345678909", "cpf", "Maria da Silva", "whatsapp"),
            (2, "12345678000195", "cnpj", "EXEMPLO CONSULTORIA LTDA", "brasilapi"),
        ):
            executar(
                "INSERT INTO cliente_tomador (id, documento, tipo_documento, razao_social, fonte, criado_em, atualizado_em) "
                f"VALUES ({id_}, '{documento}', '{tipo}', '{razao}', '{fonte}', '{agora}', '{agora}')"
            )
            executar(
                "INSERT INTO empresa_cliente_tomador (empresa_id, tomador_id, criado_em, atualizado_em) "
                f"VALUES (1, {id_}, '{agora}', '{agora}')"
            )
        executar(
            "INSERT INTO nfse (contabilidade_id, empresa_id, tomador_id, id_integracao, valor, descricao, competencia, "
            f"iss_retido, status, criado_em, atualizado_em) VALUES (1, 1, 1, 'agentnfe-x', 100, 'Aula', '2026-10-01', "
            f"false, 'pendente', '{agora}', '{agora}')"
        )
    upgrade()
    with db.engine.connect() as conexao:
        consulta = lambda sql: conexao.execute(sa.text(sql)).all()  # noqa: E731
        assert consulta("SELECT tomador_id, nome FROM empresa_cliente_tomador ORDER BY tomador_id") == [
            (1, "Maria da Silva"),
            (2, None),
        ]
        assert consulta("SELECT id, razao_social FROM cliente_tomador ORDER BY id") == [
            (1, None),
            (2, "EXEMPLO CONSULTORIA LTDA"),
        ]
        assert consulta("SELECT codigo_municipio_prestacao FROM nfse") == [("3550308",)]
        assert consulta("SELECT logradouro, regime_especial, ambiente FROM empresa") == [
            (None, "nenhum", "homologacao")
        ]
    downgrade(revision="935f286b2b2f")
    with db.engine.connect() as conexao:
        nomes = conexao.execute(sa.text("SELECT razao_social FROM cliente_tomador ORDER BY id")).scalars().all()
    assert nomes == ["Maria da Silva", "EXEMPLO CONSULTORIA LTDA"]


def test_operators_and_support_attached_to_a_firm_are_detached(fresh_app):
    upgrade(revision="64bf78050b02")
    agora = "2026-11-01 10:00:00"
    with db.engine.begin() as conexao:
        conexao.execute(
            sa.text(
                "INSERT INTO contabilidade (id, nome, nome_chave, criado_em, atualizado_em) "
                f"VALUES (1, 'F', 'f', '{agora}', '{agora}')"
            )
        )
        for email, papel, superuser, firma in (
            ("root@op.com", "admin", True, 1),
            ("ana@f.com", "admin", False, 1),
            ("sup@op.com", "suporte", False, None),
        ):
            conexao.execute(
                sa.text(
                    'INSERT INTO "user" (email, password_hash, role, contabilidade_id, is_superuser, ativo, criado_em, '
                    "atualizado_em) VALUES (:e, 'x', :p, :f, :s, true, :a, :a)"
                ),
                {"e": email, "p": papel, "f": firma, "s": superuser, "a": agora},
            )
    upgrade()
    with db.engine.connect() as conexao:
        linhas = conexao.execute(sa.text('SELECT email, contabilidade_id FROM "user" ORDER BY email')).all()
    assert linhas == [("ana@f.com", 1), ("root@op.com", None), ("sup@op.com", None)]
