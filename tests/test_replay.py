"""`python -m agentnfe replay`: the replay column of the status table, safe to run twice."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from agentnfe.emission import recuperacao
from agentnfe.infra.extensions import db
from agentnfe.models import NFSe, NFSeTentativa, StatusNFSe

from .conftest import criar_nota


@pytest.fixture
def notas(gateway_app, plugnotas, alfa):
    ids = {status: criar_nota(alfa.id, status=status) for status in StatusNFSe}
    return ids


def status_de(nfse_id):
    db.session.expire_all()
    return db.session.get(NFSe, nfse_id)


def test_dry_run_changes_nothing(gateway_app, notas, plugnotas):
    resultado = gateway_app.test_cli_runner().invoke(args=["replay", "--dry-run"])
    assert resultado.exit_code == 0, resultado.output
    assert "1 nota(s) erro: consultar e reenviar com o mesmo id" in resultado.output
    assert "1 nota(s) rejeitada: reenviar com um novo id de integração" in resultado.output
    assert "1 nota(s) atencao: consultar e, se o gateway não tiver a nota, reenviar com o mesmo id" in resultado.output
    assert "3 nota(s) seriam reprocessadas" in resultado.output
    assert plugnotas.requests == []


def test_replay_applies_the_rule_of_each_status_and_is_safe_twice(gateway_app, notas, plugnotas):
    runner = gateway_app.test_cli_runner()
    rejeitada_antes = status_de(notas[StatusNFSe.REJEITADA]).id_integracao
    resultado = runner.invoke(args=["replay"])
    assert resultado.exit_code == 0, resultado.output
    assert "3 nota(s) reprocessada(s)." in resultado.output

    erro = status_de(notas[StatusNFSe.ERRO])
    assert erro.status is StatusNFSe.PROCESSANDO
    consulta_erro = f"/nfse/consultar/{erro.id_integracao}/11222333000181"
    assert any(r["path"] == consulta_erro for r in plugnotas.requests)  # consulted before resending

    rejeitada = status_de(notas[StatusNFSe.REJEITADA])
    assert rejeitada.id_integracao == f"{rejeitada_antes}-2" and rejeitada.status is StatusNFSe.PROCESSANDO
    atencao = status_de(notas[StatusNFSe.ATENCAO])
    assert atencao.status is StatusNFSe.PROCESSANDO  # the gateway never had it: sent, under the same id
    enviados = {post["json"][0]["idIntegracao"] for post in plugnotas.posts()}
    assert enviados == {erro.id_integracao, rejeitada.id_integracao, atencao.id_integracao}
    assert status_de(notas[StatusNFSe.CONCLUIDA]).status is StatusNFSe.CONCLUIDA
    origens = set(db.session.scalars(sa.select(NFSeTentativa.origem)))
    assert origens == {"cli"}

    again = runner.invoke(args=["replay"])
    assert again.exit_code == 0 and "0 nota(s) reprocessada(s)" in again.output  # nothing left to replay
    assert len(plugnotas.posts()) == 3


def test_filters_by_empresa_and_date(gateway_app, notas, plugnotas):
    runner = gateway_app.test_cli_runner()
    outra = runner.invoke(args=["replay", "--empresa", "12.345.678/0001-95", "--dry-run"])
    assert "0 nota(s) seriam reprocessadas" in outra.output
    futuro = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    assert "0 nota(s) seriam reprocessadas" in runner.invoke(args=["replay", "--since", futuro, "--dry-run"]).output
    ruim = runner.invoke(args=["replay", "--status", "quebrada"])
    assert ruim.exit_code == 1 and "filtro inválido" in ruim.output


def test_sweeper_finds_notes_whose_task_was_lost(gateway_app, notas):
    depois = datetime.now(UTC) + timedelta(minutes=11)
    assert sorted(recuperacao.notas_paradas(depois)) == sorted([notas[StatusNFSe.PENDENTE], notas[StatusNFSe.ENVIADA]])
    assert recuperacao.notas_paradas(datetime.now(UTC)) == []
