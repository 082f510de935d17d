"""Evolution down for longer than the first retries: every reply arrives after it returns, in order, once; after
DELIVERY_RETRY_HOURS the replies show in the admin as undelivered and "reenviar" sends them."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from flask import current_app

from agentnfe.contas import criar_usuario
from agentnfe.infra.extensions import db, huey
from agentnfe.models import Direcao, Envio, Mensagem, Papel

from . import factories
from .conftest import SENHA, TELEFONE, Auth, csrf_de, normalizar


def respostas() -> list[Mensagem]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA).order_by(Mensagem.id)).all()


def passar_o_tempo(ate: datetime, passo: timedelta = timedelta(seconds=5)) -> datetime:
    """Advance the clock to `ate` in steps, running each scheduled task when it falls due (as a consumer would)."""
    instante = datetime.now(UTC)
    while instante < ate:
        instante += passo
        with time_machine.travel(instante, tick=False):
            for tarefa in huey.read_schedule(instante.replace(tzinfo=None)):
                huey.execute(tarefa)
    return instante


def test_replies_written_during_an_outage_arrive_in_order_after_it(whatsapp, alfa, evolution):
    evolution.fora_do_ar = True
    inicio = datetime.now(UTC)
    with time_machine.travel(inicio, tick=False):
        for texto in ("ajuda", "o cnpj é 12.345.678/0001-95", "1500"):
            assert whatsapp.postar(whatsapp.evento(texto)).get_json() == {"status": "queued"}
    escritas = [r.texto for r in respostas()]
    assert len(escritas) == 3 and all(r.envio is Envio.PENDENTE for r in respostas())
    instante = passar_o_tempo(inicio + timedelta(minutes=30))  # past the 5 s … 10 min waits
    assert whatsapp.respostas() == [] and len(evolution.requests) >= 8
    assert all(r.envio is Envio.PENDENTE for r in respostas())
    evolution.fora_do_ar = False
    with time_machine.travel(instante + timedelta(seconds=1), tick=False):
        assert whatsapp.postar(whatsapp.evento("consultoria de março")).get_json() == {"status": "queued"}
    assert whatsapp.respostas() == [], "a later reply overtook the ones waiting"
    passar_o_tempo(instante + timedelta(minutes=11))
    entregues = whatsapp.respostas()
    assert entregues[:3] == escritas and len(entregues) == 4
    assert entregues[3] == respostas()[3].texto
    assert all(r.envio is Envio.ENVIADA for r in respostas())
    numeros = [r["json"].get("number") for r in evolution.requests if r.get("entregue")]
    assert numeros == [normalizar(TELEFONE)] * 4  # each reply delivered once


def usuario(email: str, firma=None) -> Auth:
    """A logged-in admin client on the bot's app: the operator, or an admin of `firma`."""
    criar_usuario(db.session, email, Papel.ADMIN, SENHA, firma.nome if firma else None, superuser=firma is None)
    db.session.commit()
    auth = Auth(current_app.test_client())
    auth.login(email)
    return auth


def test_undelivered_replies_are_listed_and_resent_from_the_admin(bot, whatsapp, alfa, evolution):
    evolution.fora_do_ar = True
    inicio = datetime.now(UTC)
    with time_machine.travel(inicio, tick=False):
        whatsapp.postar(whatsapp.evento("ajuda"))
    horas = bot.config["DELIVERY_RETRY_HOURS"]
    passar_o_tempo(inicio + timedelta(hours=horas, minutes=5), passo=timedelta(minutes=1))
    [resposta] = respostas()
    assert resposta.envio is Envio.FALHOU and whatsapp.respostas() == []
    evolution.fora_do_ar = False
    auth = usuario("root@op.com")
    lista = auth.client.get("/admin/nao_entregues/")
    html = lista.get_data(as_text=True)
    assert lista.status_code == 200 and "Eu emito notas fiscais" in html
    csrf = csrf_de(html)
    ids = re.findall(r'<input[^>]*name="rowid"[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*name="rowid"', html)
    ids = [a or b for a, b in ids]
    assert ids == [str(resposta.id)]
    feito = auth.client.post(
        "/admin/nao_entregues/action/", data={"action": "reenviar", "rowid": ids, "csrf_token": csrf}
    )
    assert feito.status_code == 302
    assert whatsapp.respostas() == [resposta.texto]
    assert respostas()[0].envio is Envio.ENVIADA
    assert "Eu emito notas fiscais" not in auth.client.get("/admin/nao_entregues/").get_data(as_text=True)


def test_a_firm_sees_only_its_own_undelivered_replies(bot, whatsapp, alfa, evolution):
    evolution.falhas.append(400)  # refused for good at once
    whatsapp.postar(whatsapp.evento("ajuda"))
    [resposta] = respostas()
    assert resposta.envio is Envio.FALHOU
    auth = usuario("admin@a.com", factories.contabilidade(db.session, "Firma A"))  # alfa is another firm's
    assert "Eu emito notas fiscais" not in auth.client.get("/admin/nao_entregues/").get_data(as_text=True)
    csrf = auth.csrf("/admin/nao_entregues/")
    auth.client.post(
        "/admin/nao_entregues/action/", data={"action": "reenviar", "rowid": [str(resposta.id)], "csrf_token": csrf}
    )
    assert respostas()[0].envio is Envio.FALHOU and len(evolution.requests) == 1
