"""Transactions are owned by entry points (`transacao()`), and no external call leaves while one is open: the
HTTP client layer refuses, for every service, before anything is sent."""

import httpx
import pytest
import sqlalchemy as sa

from agentnfe.conversation import llm
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import (
    EscritaPendente,
    TransacaoAberta,
    TransacaoAninhada,
    sem_transacao,
    transacao,
    transacao_aberta,
)
from agentnfe.integrations.brasilapi import consultar_cnpj
from agentnfe.integrations.http import novo_cliente
from agentnfe.models import Contabilidade


def _contabilidades() -> list[str]:
    nomes = list(db.session.scalars(sa.select(Contabilidade.nome).order_by(Contabilidade.nome)))
    db.session.rollback()
    return nomes


def test_a_block_commits_at_its_end_and_rolls_back_when_it_raises(app):
    with transacao():
        db.session.add(Contabilidade(nome="Gravada"))
    with pytest.raises(ValueError), transacao():
        db.session.add(Contabilidade(nome="Desfeita"))
        db.session.flush()
        raise ValueError("falhou no meio")
    assert _contabilidades() == ["Gravada"]


def test_only_the_entry_point_opens_the_transaction(app):
    with pytest.raises(TransacaoAninhada), transacao():
        db.session.add(Contabilidade(nome="Fora"))
        with transacao():
            pass
    assert _contabilidades() == []


def test_a_call_with_a_transaction_open_is_refused_before_anything_is_sent(app):
    cliente = novo_cliente("brasilapi", "http://127.0.0.1:9")  # a closed port: a send would fail to connect
    db.session.scalar(sa.select(Contabilidade.id))  # a read: SQLAlchemy begins a transaction
    assert transacao_aberta()
    with pytest.raises(TransacaoAberta, match="brasilapi"):
        cliente.get("/cnpj/v1/11222333000181")
    db.session.rollback()
    with pytest.raises(httpx.ConnectError):
        cliente.get("/cnpj/v1/11222333000181")


def test_ending_the_read_lets_the_call_go_and_unsaved_changes_are_never_dropped_silently(make_app, brasilapi):
    with make_app(BRASILAPI_URL=brasilapi.url).app_context():
        db.session.scalar(sa.select(Contabilidade.id))
        with pytest.raises(TransacaoAberta):
            consultar_cnpj("12345678000195", usar_cache=False)
        sem_transacao()
        assert consultar_cnpj("12345678000195", usar_cache=False).razao_social
        db.session.add(Contabilidade(nome="Esquecida"))
        with pytest.raises(EscritaPendente):
            sem_transacao()
        db.session.rollback()


def test_the_model_client_refuses_too_instead_of_reporting_an_outage(make_app):
    aplicacao = make_app(OPENAI_API_KEY="sk-teste", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    with aplicacao.app_context():
        db.session.scalar(sa.select(Contabilidade.id))
        with pytest.raises(TransacaoAberta, match="openai"):
            llm.extrator().extrair("nota de 100 para 11.222.333/0001-81", {})
        db.session.rollback()
