"""GET /metrics as Prometheus reads it: who may read it, and every series moving when the product works."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from agentnfe.infra import queue
from agentnfe.infra.extensions import db
from agentnfe.models import NFSe, StatusNFSe
from tasks.entrega import send_reply

from .conftest import CONTRACT_VARIABLES, WhatsApp, bot_settings, run_scheduled

RAIZ = Path(__file__).resolve().parent.parent


def amostras(texto: str) -> dict[tuple, float]:
    """Every sample of an exposition as {(name, (label, value)…): value}."""
    return {
        (amostra.name, *sorted(amostra.labels.items())): amostra.value
        for familia in text_string_to_metric_families(texto)
        for amostra in familia.samples
    }


def ler(client, **kwargs) -> dict[tuple, float]:
    resposta = client.get("/metrics", **kwargs)
    assert resposta.status_code == 200, resposta.get_data(as_text=True)
    assert resposta.content_type.startswith("text/plain; version=")
    return amostras(resposta.get_data(as_text=True))


def valor(leitura: dict, nome: str, **rotulos) -> float:
    return leitura.get((nome, *sorted(rotulos.items())), 0.0)


def test_metrics_answer_a_local_client_and_refuse_a_remote_or_proxied_one(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200
    remoto = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remoto.status_code == 403 and "METRICS_TOKEN" in remoto.get_json()["error"]
    via_proxy = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert via_proxy.status_code == 403  # Caddy on the same machine forwards the internet: still not local
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"}).status_code == 403


def test_with_a_token_metrics_need_its_bearer_from_anywhere(make_app):
    client = make_app(METRICS_TOKEN="token-das-metricas").test_client()
    assert client.get("/metrics").status_code == 401  # not even locally without it
    assert client.get("/metrics", headers={"Authorization": "Bearer outro"}).status_code == 401
    remoto = client.get(
        "/metrics",
        headers={"Authorization": "Bearer token-das-metricas", "X-Forwarded-For": "198.51.100.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert remoto.status_code == 200
    assert b"agentnfe_queue_depth" in remoto.data


def test_a_conversation_and_its_emission_move_every_series(wa, evolution, plugnotas):
    antes = ler(wa.client)
    pedidos_ao_gateway = len(plugnotas.requests)
    wa.enviar("nota de 1500 para 12.345.678/0001-95, consultoria de março")
    wa.enviar("sim")
    assert wa.postar(wa.evento("sim"), token="errado").status_code == 401
    assert wa.postar({"event": "messages.upsert", "data": {}}).status_code == 400
    run_scheduled()
    assert db.session.scalar(sa.select(NFSe.status)) is StatusNFSe.CONCLUIDA
    depois = ler(wa.client)

    def subiu(nome, **rotulos):
        return valor(depois, nome, **rotulos) - valor(antes, nome, **rotulos)

    assert subiu("agentnfe_messages_total", direction="in", outcome="queued") == 2
    entregues = sum(1 for pedido in evolution.requests if pedido.get("entregue"))
    assert entregues >= 3  # espelho, emitida, PDF
    assert subiu("agentnfe_messages_total", direction="out", outcome="sent") == entregues
    assert subiu("agentnfe_delivery_attempts_total", outcome="sent") == entregues
    assert subiu("agentnfe_external_request_duration_seconds_count", service="evolution", outcome="2xx") == entregues
    duracao = "agentnfe_webhook_request_duration_seconds"
    assert subiu(f"{duracao}_count", endpoint="webhook_evolution", code="200") == 2
    assert subiu(f"{duracao}_bucket", endpoint="webhook_evolution", code="200", le="+Inf") == 2
    assert subiu(f"{duracao}_count", endpoint="webhook_evolution", code="401") == 1
    assert subiu(f"{duracao}_count", endpoint="webhook_evolution", code="400") == 1
    for status in ("pendente", "enviada", "concluida"):
        assert subiu("agentnfe_nfse_status_changes_total", status=status) == 1, status
    ao_gateway = sum(
        subiu("agentnfe_external_request_duration_seconds_count", service="plugnotas", outcome=classe)
        for classe in ("2xx", "3xx", "4xx", "5xx", "timeout", "error")
    )
    assert ao_gateway == len(plugnotas.requests) - pedidos_ao_gateway > 0
    leituras = sum(subiu("agentnfe_cache_requests_total", area="perfis", result=r) for r in ("hit", "miss"))
    assert leituras >= 2  # the phone's profiles, read for each message


def test_llm_calls_count_latency_tokens_and_cost_at_the_configured_prices(make_app, evolution, openai_fake, alfa):
    app = make_app(
        **bot_settings(
            evolution, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=openai_fake.url + "/v1", OPENAI_TIMEOUT=1.0,
            LLM_PRICE_INPUT_PER_MTOK="2.50", LLM_PRICE_OUTPUT_PER_MTOK="10",
        )
    )  # fmt: skip
    with app.app_context():
        wa = WhatsApp(app.test_client(), evolution)
        antes = ler(wa.client)
        openai_fake.campos = {"documento": None, "nome_tomador": None, "valor": "1500.00", "descricao": "consultoria",
                              "intencao": "emitir"}  # fmt: skip
        wa.enviar("nota para 12.345.678/0001-95, 1500 ou 1800, consultoria")
        openai_fake.modo = "500"
        wa.enviar("nota para 11.222.333/0001-81, 300 ou 400, suporte")
        depois = ler(wa.client)

    def subiu(nome, **rotulos):
        return valor(depois, nome, **rotulos) - valor(antes, nome, **rotulos)

    assert openai_fake.chamadas == 3  # the failed call was tried twice by the SDK: one call for the product
    assert subiu("agentnfe_llm_calls_total", outcome="ok") == 1
    assert subiu("agentnfe_llm_calls_total", outcome="error") == 1
    assert subiu("agentnfe_llm_request_duration_seconds_count") == 2
    assert subiu("agentnfe_llm_tokens_total", kind="input") == 512  # the fake's usage; a failed call has none
    assert subiu("agentnfe_llm_tokens_total", kind="output") == 38
    esperado = (Decimal(512) * Decimal("2.50") + Decimal(38) * Decimal("10")) / 1_000_000
    assert subiu("agentnfe_llm_cost_usd_total") == pytest.approx(float(esperado))


def test_delivery_retries_and_failures_are_counted(whatsapp, alfa, evolution):
    antes = ler(whatsapp.client)
    evolution.fora_do_ar = True
    whatsapp.postar(whatsapp.evento("oi"))
    evolution.fora_do_ar = False
    evolution.falhas.append(400)  # refused for good
    whatsapp.postar(whatsapp.evento("ajuda", telefone="5511988887777"))
    depois = ler(whatsapp.client)

    def subiu(nome, **rotulos):
        return valor(depois, nome, **rotulos) - valor(antes, nome, **rotulos)

    assert subiu("agentnfe_delivery_attempts_total", outcome="retry") == 1
    assert subiu("agentnfe_delivery_attempts_total", outcome="failed") == 1
    assert subiu("agentnfe_messages_total", direction="out", outcome="failed") == 1
    assert subiu("agentnfe_external_request_duration_seconds_count", service="evolution", outcome="5xx") == 1
    assert subiu("agentnfe_external_request_duration_seconds_count", service="evolution", outcome="4xx") == 1


def test_duplicates_and_throttled_messages_are_counted_apart(make_app, evolution, alfa):
    app = make_app(**bot_settings(evolution), WEBHOOK_PHONE_LIMIT="2/minute")
    with app.app_context():
        wa = WhatsApp(app.test_client(), evolution)
        antes = ler(wa.client)
        evento = wa.evento("oi")
        estados = [wa.postar(evento).get_json()["status"], wa.postar(evento).get_json()["status"]]
        estados.append(wa.postar(wa.evento("de novo")).get_json()["status"])
        depois = ler(wa.client)
    assert estados == ["queued", "duplicate", "throttled"]
    for resultado in ("queued", "duplicate", "throttled"):
        chave = {"direction": "in", "outcome": resultado}
        assert valor(depois, "agentnfe_messages_total", **chave) - valor(antes, "agentnfe_messages_total", **chave) == 1


def test_queue_depth_and_the_age_of_the_next_task_come_from_the_queue(make_app):
    app = make_app(HUEY_IMMEDIATE=False)
    with app.app_context():
        vazia = ler(app.test_client())
        assert valor(vazia, "agentnfe_queue_depth") == 0
        assert valor(vazia, "agentnfe_queue_oldest_task_age_seconds") == 0
        with time_machine.travel(1_900_000_000, tick=False):
            send_reply(1)
        with time_machine.travel(1_900_000_030, tick=False):
            send_reply(2)
        with time_machine.travel(1_900_000_090, tick=False):
            cheia = ler(app.test_client())
        assert valor(cheia, "agentnfe_queue_depth") == 2
        assert valor(cheia, "agentnfe_queue_oldest_task_age_seconds") == pytest.approx(90, abs=1)
        assert ("agentnfe_queue_scheduled",) in cheia
        queue.huey.flush()


@queue.huey.task(retries=1, retry_delay=60)
def _passageira():
    raise queue.TentarDeNovo("ainda não")


def test_a_retried_task_keeps_its_id_and_its_wait_counts_from_when_it_was_due(make_app):
    app = make_app(HUEY_IMMEDIATE=False)
    with app.app_context():
        with time_machine.travel(1_900_000_000, tick=False):
            _passageira()
            [tarefa] = queue.huey.pending()
            queue.huey.execute(queue.huey.dequeue())
        [agendada] = queue.huey.scheduled()
        assert agendada.id == tarefa.id and agendada.retries == 0
        with time_machine.travel(1_900_000_100, tick=False):
            for devida in queue.huey.read_schedule(queue.huey._get_timestamp()):
                queue.huey.enqueue(devida)
            [de_volta] = queue.huey.pending()
            cheia = ler(app.test_client())
        assert de_volta.id == tarefa.id
        assert valor(cheia, "agentnfe_queue_oldest_task_age_seconds") == pytest.approx(40, abs=1)
        queue.huey.flush()


def test_a_service_process_clears_the_shared_directory_only_when_no_process_of_it_lives(tmp_path):
    pasta = tmp_path / "metricas"
    pasta.mkdir()
    morto = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (pasta / f"counter_{morto.stdout.strip()}.db").write_bytes(b"\0" * 8)
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    codigo = (
        f"from pathlib import Path; from agentnfe.infra import metricas; metricas.multiprocesso(Path({str(pasta)!r}))"
    )
    subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, env=env, check=True, capture_output=True)
    assert list(pasta.iterdir()) == []  # nobody alive: the old totals go

    (pasta / f"counter_{morto.stdout.strip()}.db").write_bytes(b"\0" * 8)
    (pasta / f"histogram_{os.getpid()}.db").write_bytes(b"\0" * 8)  # this test's process stands for a live one
    subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, env=env, check=True, capture_output=True)
    assert len(list(pasta.iterdir())) == 2  # a process of the installation runs: its totals stay whole
