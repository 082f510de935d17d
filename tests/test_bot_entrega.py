"""Delivery with retries, concurrent processing of one phone, the sweeper, and a real consumer thread."""

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from agentnfe.conversation import engine, varredura
from agentnfe.conversation import entrada as caixa_de_entrada
from agentnfe.infra.extensions import db, huey
from agentnfe.integrations.entrada import Entrada
from agentnfe.models import Direcao, Envio, Estado, Mensagem, Provider, Sessao, TipoMensagem
from tasks.entrega import entregar

from .conftest import TELEFONE, WhatsApp, bot_settings, em_paralelo


@pytest.fixture
def fila(make_app, evolution, alfa):
    app = make_app(**bot_settings(evolution, HUEY_IMMEDIATE=False, HTTP_TIMEOUT=0.5))
    with app.app_context():
        yield app


def guardar(texto: str, telefone: str = TELEFONE, provider_id: str | None = None) -> int:
    return caixa_de_entrada.guardar(
        Entrada(Provider.EVOLUTION, "principal", provider_id, telefone, TipoMensagem.TEXTO, texto)
    )


def saidas() -> list[Mensagem]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Mensagem).where(Mensagem.direcao == Direcao.SAIDA).order_by(Mensagem.id)).all()


def resposta_pendente() -> int:
    guardar("ajuda", provider_id="A1")
    [saida_id] = engine.processar_telefone(TELEFONE).entregar
    return saida_id


@pytest.mark.parametrize("falha", [500, 503, 429, "timeout"])
def test_temporary_failures_wait_then_are_delivered(fila, evolution, falha):
    saida_id = resposta_pendente()
    evolution.falhas.append(falha)
    adiada = entregar(saida_id)
    assert (adiada.mensagem_id, adiada.segundos) == (saida_id, 5)  # the first wait
    [saida] = saidas()
    assert saida.envio is Envio.PENDENTE and saida.entrega_tentativas == 1 and saida.entrega_em == adiada.ate
    assert entregar(saida_id) is None and len(evolution.requests) == 1  # not due, not its retry: waits
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=6)):
        assert entregar(saida_id) is None  # due: anyone may deliver it
    [saida] = saidas()
    assert saida.envio is Envio.ENVIADA and saida.provider_id.startswith("OUT") and saida.entrega_em is None
    assert entregar(saida_id) is None  # idempotent: not sent twice
    assert len(evolution.enviados()) == 1


def test_a_reply_is_marked_failed_only_after_delivery_retry_hours(fila, evolution):
    saida_id = resposta_pendente()
    inicio = datetime.now(UTC)
    esperas, adiada = [], None
    evolution.falhas.extend([502] * 100)
    instante = inicio
    while True:
        with time_machine.travel(instante):
            adiada = entregar(saida_id, adiada.ate if esperas else None)
        if adiada is None:
            break
        esperas.append(adiada.segundos)
        instante += timedelta(seconds=adiada.segundos)
    assert esperas[:7] == [5, 15, 30, 60, 120, 300, 600] and set(esperas[7:]) == {600}
    horas = fila.config["DELIVERY_RETRY_HOURS"]
    assert timedelta(hours=horas) - timedelta(minutes=10) <= instante - inicio <= timedelta(hours=horas)
    [saida] = saidas()
    assert saida.envio is Envio.FALHOU and saida.entrega_tentativas == len(esperas) + 1
    assert saida.texto.startswith("Eu emito notas fiscais")  # still there for the transcript and a resend


def test_client_errors_are_not_retried(fila, evolution):
    saida_id = resposta_pendente()
    evolution.falhas.append(400)
    assert entregar(saida_id) is None
    assert saidas()[0].envio is Envio.FALHOU and len(evolution.requests) == 1


def test_unconfigured_provider_keeps_the_reply_stored_and_pending(make_app, evolution, alfa):
    app = make_app(**bot_settings(evolution, HUEY_IMMEDIATE=False, EVOLUTION_API_URL=None))
    with app.app_context():
        saida_id = resposta_pendente()
        assert entregar(saida_id) is None
        assert saidas()[0].envio is Envio.PENDENTE
        assert evolution.requests == []


def test_stale_session_updates_are_refused(fila):
    guardar("o cnpj é 12.345.678/0001-95", provider_id="A1")
    engine.processar_telefone(TELEFONE)
    sessao_id = db.session.scalar(sa.select(Sessao.id))
    with Session(db.engine) as outra:
        copia = outra.get(Sessao, sessao_id)
        minha = db.session.get(Sessao, sessao_id)
        minha.dados = {**minha.dados, "valor": "1.00"}
        db.session.commit()
        copia.dados = {**copia.dados, "valor": "2.00"}
        with pytest.raises(StaleDataError):
            outra.commit()


@pytest.mark.parametrize("rodada", range(5))
def test_two_workers_on_one_phone_lose_nothing(fila, rodada):
    """Four workers start on the same phone at the same moment: three messages, three answers, one draft."""
    guardar("o cnpj é 12.345.678/0001-95", provider_id="A1")
    guardar("1500", provider_id="A2")
    guardar("consultoria de março", provider_id="A3")
    erros = em_paralelo(fila, lambda: engine.processar_telefone(TELEFONE), 4)
    assert erros == [], [repr(e) for e in erros]
    textos = [s.texto for s in saidas()]
    assert len(textos) == 3, textos
    assert textos[0].startswith("Anotei o CNPJ") and textos[1].startswith("Anotei o valor")
    assert "Valor: R$ 1.500,00" in textos[2] and "Descrição: Consultoria de março" in textos[2]
    sessao = db.session.scalar(sa.select(Sessao))
    assert sessao.estado is Estado.CONFIRMACAO


def test_sweeper_requeues_lost_messages_and_expires_idle_drafts(fila):
    perdida = guardar("ajuda", provider_id="A1")
    emitindo = guardar("ajuda", telefone="5511911112222", provider_id="B1")
    db.session.execute(sa.update(Sessao).where(Sessao.telefone == "5511911112222").values(estado=Estado.EMITINDO))
    db.session.commit()
    agora = datetime.now(UTC)
    assert varredura.mensagens_sem_resposta(agora) == []  # too recent: its task may still be on its way
    later = agora + timedelta(minutes=2)
    assert sorted(varredura.mensagens_sem_resposta(later)) == sorted([perdida, emitindo])
    engine.processar_telefone(TELEFONE)
    assert varredura.mensagens_sem_resposta(later) == [emitindo]
    assert varredura.expirar_sessoes(agora + timedelta(hours=1)) == 1
    db.session.commit()
    estados = dict(db.session.execute(sa.select(Sessao.telefone, Sessao.estado)).all())
    assert estados == {TELEFONE: Estado.EXPIRADA, "5511911112222": Estado.EMITINDO}


def test_sweeper_resends_replies_stuck_in_pending(fila, evolution):
    saida_id = resposta_pendente()
    agora = datetime.now(UTC)
    assert varredura.respostas_pendentes(agora) == []  # too recent: its task may still be on its way
    assert varredura.respostas_pendentes(agora + timedelta(minutes=2)) == [saida_id]
    evolution.falhas.append(503)
    assert entregar(saida_id).segundos == 5
    assert varredura.respostas_pendentes(agora + timedelta(seconds=30)) == []  # its retry is scheduled
    assert varredura.respostas_pendentes(agora + timedelta(minutes=2)) == [saida_id]  # that retry was lost


def test_real_consumer_thread_processes_and_retries(fila, evolution):
    """The web process only enqueues; a Huey consumer thread answers, retrying a 500 from Evolution."""
    evolution.falhas.append(500)
    whatsapp = WhatsApp(fila.test_client(), evolution)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    try:
        assert whatsapp.postar(whatsapp.evento("nota de 1500 para 12.345.678/0001-95 consultoria")).get_json() == {
            "status": "queued"
        }
        prazo = time.monotonic() + 20
        while time.monotonic() < prazo and not evolution.enviados():
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    [espelho] = evolution.enviados()
    assert "Valor: R$ 1.500,00" in espelho
    assert len(evolution.requests) == 2  # the 500, then the retry 5 s later
    assert saidas()[0].envio is Envio.ENVIADA


def test_sweeper_task_answers_a_message_whose_task_was_lost(whatsapp, alfa, evolution, monkeypatch):
    from agentnfe.conversation import varredura as modulo
    from tasks.manutencao import sweeper

    guardar("ajuda", provider_id="PERDIDA")
    atrasado = datetime.now(UTC) + timedelta(minutes=2)
    monkeypatch.setattr(modulo, "mensagens_sem_resposta", lambda agora, _f=modulo.mensagens_sem_resposta: _f(atrasado))
    sweeper()
    assert "CNPJ ou CPF do cliente" in evolution.enviados()[0]
