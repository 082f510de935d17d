"""The LLM fallback: called only when needed, validated like the rules, and never a single point of failure."""

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Mensagem

from .conftest import WhatsApp, bot_settings

AMBIGUO = "nota para 12.345.678/0001-95, 1500 ou 1800, consultoria"


@pytest.fixture
def com_llm(make_app, evolution, openai_fake, alfa):
    app = make_app(
        **bot_settings(evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1", OPENAI_TIMEOUT=1.0)
    )
    with app.app_context():
        yield WhatsApp(app.test_client(), evolution)


def ultima_saida() -> Mensagem:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA).order_by(Mensagem.id.desc())
    ).first()


def test_ambiguous_value_is_settled_by_the_llm_and_its_cost_recorded(com_llm, openai_fake):
    openai_fake.campos = {
        "documento": None,
        "nome_tomador": None,
        "valor": "1800.00",
        "descricao": "Consultoria",
        "intencao": "emitir",
    }
    espelho = com_llm.enviar(AMBIGUO)
    assert "Valor: R$ 1.800,00" in espelho
    assert openai_fake.chamadas == 1
    pedido = openai_fake.requests[0]["json"]
    assert pedido["model"] == "gpt-4o-mini"
    assert pedido["response_format"]["type"] == "json_schema"
    assert "1500 ou 1800" in pedido["messages"][-1]["content"]
    saida = ultima_saida()
    assert saida.llm_chamado and (saida.tokens_in, saida.tokens_out) == (512, 38) and saida.llm_ms >= 0


def test_llm_never_overrides_what_the_rules_found_and_is_validated(com_llm, openai_fake):
    openai_fake.campos = {
        "documento": "43.268.432/0001-91",
        "nome_tomador": None,
        "valor": "9999",
        "descricao": "outra coisa",
        "intencao": "emitir",
    }
    resposta = com_llm.enviar("nota de R$ 1.500,00 para 12.345.678/0001-95 ou 11.222.333/0001-81, consultoria")
    assert "Valor: R$ 1.500,00" not in resposta  # the document stayed unknown: the LLM's one has a bad check digit
    assert "O CNPJ 43.268.432/0001-91 é inválido" in resposta
    assert openai_fake.chamadas == 1


def test_messages_the_rules_read_fully_never_reach_the_llm(com_llm, openai_fake):
    com_llm.enviar("oi")
    com_llm.enviar("nota de 1500 para 12.345.678/0001-95 consultoria")
    com_llm.enviar("não, o valor correto é 280")
    com_llm.enviar("sim")
    assert openai_fake.chamadas == 0
    assert not any(m.llm_chamado for m in db.session.scalars(sa.select(Mensagem)))


@pytest.mark.parametrize("modo", ["500", "timeout", "recusa", "lixo"])
def test_llm_failure_still_answers_asking_for_the_missing_field(com_llm, openai_fake, modo):
    openai_fake.modo = modo
    resposta = com_llm.enviar(AMBIGUO)
    assert resposta == "Anotei o CNPJ 12.345.678/0001-95 e a descrição. Qual o valor da nota?"
    assert ultima_saida().llm_chamado is True
    assert com_llm.client.get("/healthz").get_json()["checks"]["llm"] == "error"
    openai_fake.modo = "ok"
    openai_fake.campos = {
        "documento": None,
        "nome_tomador": None,
        "valor": None,
        "descricao": None,
        "intencao": "outro",
    }
    com_llm.enviar("1500 ou 2000?")
    assert com_llm.client.get("/healthz").get_json()["checks"]["llm"] == "ok"


def test_without_a_key_the_bot_runs_on_rules(whatsapp, alfa):
    assert whatsapp.enviar(AMBIGUO) == "Anotei o CNPJ 12.345.678/0001-95 e a descrição. Qual o valor da nota?"
    assert ultima_saida().llm_chamado is False
