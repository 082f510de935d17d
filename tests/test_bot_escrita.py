"""Write budget of docs/arquitetura.md §3, proven by counting SQL statements, constant from message 1 to 50."""

import pytest
import sqlalchemy as sa

from agentnfe.conversation import engine
from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Mensagem
from tasks.entrega import entregar

from .conftest import TELEFONE, WhatsApp, bot_settings
from .sql import statements, writes


@pytest.fixture
def fila_real(make_app, evolution, alfa):
    """Tasks are only enqueued (SQLite/Redis queue), so each phase can be measured on its own."""
    app = make_app(**bot_settings(evolution, HUEY_IMMEDIATE=False, WEBHOOK_PHONE_LIMIT="1000/minute"))
    with app.app_context():
        yield WhatsApp(app.test_client(), evolution)


def test_mid_session_message_costs_one_insert_two_writes_and_two_delivery_updates(fila_real):
    fila_real.postar(fila_real.evento("o cnpj é 12.345.678/0001-95"))
    [primeira] = engine.processar_telefone(TELEFONE).entregar
    entregar(primeira)
    por_mensagem = []
    for k in range(1, 51):
        with statements() as webhook:
            assert fila_real.postar(fila_real.evento(str(1000 + k))).get_json() == {"status": "queued"}
        with statements() as processamento:
            resultado = engine.processar_telefone(TELEFONE)
        [saida_id] = resultado.entregar
        with statements() as entrega:
            entregar(saida_id)
        por_mensagem.append(
            (
                writes(webhook),
                writes(processamento),
                writes(entrega),
                len(processamento),
                sum("usuario_empresa" in s for s in processamento),
            )
        )
    assert por_mensagem[0][:3] == (["INSERT"], ["UPDATE", "INSERT"], ["UPDATE", "UPDATE"])  # delivery: lease, result
    assert all(linha == por_mensagem[0] for linha in por_mensagem), "cost changed with the session length"
    assert por_mensagem[0][4] == 0, "the phone's empresas must come from the cache"
    print(
        f"\nper message: webhook {por_mensagem[0][0]}, processing {por_mensagem[0][1]} ({por_mensagem[0][3]} statements), delivery {por_mensagem[0][2]}"
    )
    ultima = db.session.scalars(
        sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA).order_by(Mensagem.id.desc())
    ).first()
    assert "R$ 1.050,00" in ultima.texto and ultima.envio.value == "enviada"


def test_profile_cache_is_invalidated_when_phones_change(fila_real, alfa):
    from . import factories

    outro = "5521988887777"
    fila_real.postar(fila_real.evento("ajuda", telefone=outro))
    assert engine.processar_telefone(outro).textos[0].startswith("Olá! Este número não está autorizado")
    from agentnfe.models import Empresa

    factories.telefone(db.session, db.session.get(Empresa, alfa.id), outro)
    db.session.commit()
    fila_real.postar(fila_real.evento("ajuda", telefone=outro))
    assert "CNPJ ou CPF do cliente" in engine.processar_telefone(outro).textos[0]
