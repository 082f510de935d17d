"""The server layout as deployed: two `serve` processes behind a balancer and a separate `worker`, sharing the
database, the queue, the cache and the metrics directory. One WhatsApp conversation goes through both web
processes, and /metrics read from either counts the work of all three."""

import os
import time

import httpx
import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import NFSe, StatusNFSe

from .conftest import (
    _BRASILAPI,
    CONTRACT_VARIABLES,
    TELEFONE,
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    WEBHOOK_TOKEN,
    WhatsApp,
    normalizar,
)
from .test_cli_server import free_port, start, stop, wait_for_health
from .test_metricas import amostras, valor


@pytest.fixture
def ambiente(clean_env, alfa, evolution):
    """The processes' environment: the test's database, queue and cache, the fakes; replies go to Evolution."""
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env |= {
        "AGENTNFE_DATA_DIR": str(clean_env),
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "EVOLUTION_API_URL": evolution.url,
        "EVOLUTION_API_KEY": "chave-evolution",
        "EVOLUTION_INSTANCE": "principal",
        "BRASILAPI_URL": _BRASILAPI["url"],
        "LOG_LEVEL": "WARNING",
    }
    if TEST_DATABASE_URL:
        env["DATABASE_URL"] = TEST_DATABASE_URL
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL
        env["NFSE_GATEWAY"] = "mock"
    db.session.remove()
    return env


def esperar(condicao, segundos: float, o_que: str):
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        resultado = condicao()
        if resultado:
            return resultado
        time.sleep(0.2)
    pytest.fail(f"{o_que} não aconteceu em {segundos:.0f} s")


def test_two_web_processes_and_a_worker_share_one_conversation_and_one_set_of_metrics(ambiente, evolution):
    portas = [free_port(), free_port()]
    processos = [start(ambiente, "serve", "--no-worker", "--port", str(porta), "--threads", "4") for porta in portas]
    saidas = []
    try:
        for porta, processo in zip(portas, processos, strict=True):
            assert wait_for_health(porta, processo).status_code == 200
        processos.append(start(ambiente, "worker", "-w", "2"))
        wa = WhatsApp(None, evolution)
        telefone = normalizar(TELEFONE)

        def postar(porta: int, texto: str) -> dict:
            resposta = httpx.post(
                f"http://127.0.0.1:{porta}/webhook/evolution",
                json=wa.evento(texto),
                headers={"X-Webhook-Token": WEBHOOK_TOKEN},
                timeout=5,
            )
            return resposta.json()

        assert postar(portas[0], "nota de 1500 para 12.345.678/0001-95, consultoria de março") == {"status": "queued"}
        espelho = esperar(lambda: evolution.enviados(telefone), 30, "o espelho chegar pelo worker")
        assert "1.500,00" in espelho[-1]
        assert postar(portas[1], "sim") == {"status": "queued"}
        esperar(lambda: any("emitida" in t.lower() for t in evolution.enviados(telefone)), 60, "a nota ser anunciada")
        with db.engine.connect() as conexao:
            assert conexao.scalar(sa.select(NFSe.status)) is StatusNFSe.CONCLUIDA

        leituras = []
        for porta in portas:
            resposta = httpx.get(f"http://127.0.0.1:{porta}/metrics", timeout=5)
            assert resposta.status_code == 200
            leituras.append(amostras(resposta.text))
        entregues = sum(1 for pedido in evolution.requests if pedido.get("entregue"))  # texts and the PDF
        for leitura in leituras:  # each web process answers for all three
            assert valor(leitura, "agentnfe_messages_total", direction="in", outcome="queued") == 2
            assert valor(leitura, "agentnfe_webhook_request_duration_seconds_count", endpoint="webhook_evolution",
                         code="200") == 2  # fmt: skip
            assert valor(leitura, "agentnfe_messages_total", direction="out", outcome="sent") == entregues
            assert valor(leitura, "agentnfe_nfse_status_changes_total", status="concluida") == 1
            assert valor(leitura, "agentnfe_external_request_duration_seconds_count", service="evolution",
                         outcome="2xx") == entregues  # fmt: skip
            assert ("agentnfe_queue_depth",) in leitura
            assert valor(leitura, "agentnfe_queue_oldest_task_age_seconds") < 60
    finally:
        for processo in processos:
            saidas.append(stop(processo))
    for processo, saida in zip(processos, saidas, strict=True):
        assert processo.returncode == 0, saida
        assert "Traceback" not in saida, saida
