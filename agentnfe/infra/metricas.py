"""Prometheus metrics: what the product does, counted where it happens and read at GET /metrics.

The metric objects are built on first use. `serve` and `worker` call `multiprocesso()` before that, so their
counters live in a directory every process of the installation shares (prometheus-client's multiprocess mode)
and any web process answers /metrics for all of them. Other processes (`desktop`, one process; commands;
tests) keep their metrics in memory.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

log = logging.getLogger(__name__)

VARIAVEL = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's own switch: set, every value is written to a per-process file in that directory."""

SEGUNDOS_HTTP = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SEGUNDOS_EXTERNOS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
_AREA = re.compile(r"[a-z][a-z_-]{0,23}")

_lock = threading.Lock()
_metricas: SimpleNamespace | None = None
_registro = None


def multiprocesso(diretorio: Path) -> Path | None:
    """Share counters with the installation's other processes through `diretorio` (PROMETHEUS_MULTIPROC_DIR wins
    when set). Files of processes that are gone are removed only when none is alive, so totals never go down
    while any process runs. Returns the directory, or None when metrics were already counted in memory."""
    with _lock:
        if _metricas is not None:
            log.warning("metrics already in use in this process; /metrics shows this process only")
            return None
        pasta = Path(os.environ.get(VARIAVEL) or diretorio)
        pasta.mkdir(parents=True, exist_ok=True)
        _limpar_se_ninguem_vive(pasta)
        os.environ[VARIAVEL] = str(pasta)
        return pasta


def _limpar_se_ninguem_vive(pasta: Path) -> None:
    arquivos = list(pasta.glob("*.db"))
    if not any(_vivo(arquivo) for arquivo in arquivos):
        for arquivo in arquivos:
            arquivo.unlink(missing_ok=True)


def _vivo(arquivo: Path) -> bool:
    """Whether the process that wrote `arquivo` (`<type>_<pid>.db`) still runs."""
    try:
        pid = int(arquivo.stem.rpartition("_")[2])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _m() -> SimpleNamespace:
    """The metric objects of this process, built once."""
    global _metricas, _registro
    if _metricas is not None:
        return _metricas
    with _lock:
        if _metricas is None:
            from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

            disable_created_metrics()
            _registro = None if os.environ.get(VARIAVEL) else CollectorRegistry()
            r = {"registry": _registro}
            _metricas = SimpleNamespace(
                webhook=Histogram(
                    "agentnfe_webhook_request_duration_seconds",
                    "Time to answer a webhook or /send/ request.",
                    ["endpoint", "code"],
                    buckets=SEGUNDOS_HTTP,
                    **r,
                ),
                mensagens=Counter(
                    "agentnfe_messages",
                    "WhatsApp and API messages, by direction (in/out) and what became of them.",
                    ["direction", "outcome"],
                    **r,
                ),
                entregas=Counter(
                    "agentnfe_delivery_attempts",
                    "Attempts to deliver a reply: sent, retry (a temporary failure, tried again later) or failed.",
                    ["outcome"],
                    **r,
                ),
                llm_chamadas=Counter("agentnfe_llm_calls", "Calls to the LLM, by outcome.", ["outcome"], **r),
                llm_segundos=Histogram(
                    "agentnfe_llm_request_duration_seconds", "LLM call latency.", buckets=SEGUNDOS_EXTERNOS, **r
                ),
                llm_tokens=Counter("agentnfe_llm_tokens", "LLM tokens used, input or output.", ["kind"], **r),
                llm_custo=Counter("agentnfe_llm_cost_usd", "LLM spend in US$ at the configured prices.", **r),
                notas=Counter(
                    "agentnfe_nfse_status_changes",
                    "Notes that reached each status (created as pendente, sent, authorized, rejected…).",
                    ["status"],
                    **r,
                ),
                externos=Histogram(
                    "agentnfe_external_request_duration_seconds",
                    "Latency of calls to external services (gateway, WhatsApp, BrasilAPI), by answer class.",
                    ["service", "outcome"],
                    buckets=SEGUNDOS_EXTERNOS,
                    **r,
                ),
                cache=Counter(
                    "agentnfe_cache_requests", "Cache reads by key area: hit or miss.", ["area", "result"], **r
                ),
            )
    return _metricas


def webhook(endpoint: str, codigo: int, segundos: float) -> None:
    _m().webhook.labels(endpoint, str(codigo)).observe(segundos)


def mensagem(direcao: str, resultado: str) -> None:
    """One message in (`entrada`) or out (`saida`) and what became of it."""
    _m().mensagens.labels("in" if direcao == "entrada" else "out", resultado).inc()


def entrega(resultado: str) -> None:
    _m().entregas.labels(resultado).inc()


def llm(ok: bool, segundos: float, tokens_in: int, tokens_out: int, custo_usd: Decimal) -> None:
    m = _m()
    m.llm_chamadas.labels("ok" if ok else "error").inc()
    m.llm_segundos.observe(segundos)
    m.llm_tokens.labels("input").inc(tokens_in)
    m.llm_tokens.labels("output").inc(tokens_out)
    m.llm_custo.inc(float(custo_usd))  # the exposition format is floating point; the sum is computed in Decimal


def nota(status: str) -> None:
    _m().notas.labels(status).inc()


def externo(servico: str, resultado: str, segundos: float) -> None:
    _m().externos.labels(servico, resultado).observe(segundos)


def cache(chave: str, acerto: bool) -> None:
    """A cache read of `chave`, counted under the key's first segment (`perfis`, `brasilapi`…)."""
    area = chave.partition(":")[0]
    _m().cache.labels(area if _AREA.fullmatch(area) else "outro", "hit" if acerto else "miss").inc()


def exposicao(medidas: Mapping[str, tuple[str, float | None]]) -> tuple[bytes, str]:
    """The Prometheus text of every process's metrics, plus `medidas` (gauge name → help, value) read now."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.multiprocess import MultiProcessCollector

    _m()
    registro = CollectorRegistry()
    if os.environ.get(VARIAVEL):
        MultiProcessCollector(registro)

    class _Agora:
        def collect(self):
            for nome, (ajuda, valor) in medidas.items():
                if valor is not None:
                    yield GaugeMetricFamily(nome, ajuda, value=valor)

    registro.register(_Agora())
    texto = generate_latest(registro)
    if _registro is not None:
        texto = generate_latest(_registro) + texto
    return texto, CONTENT_TYPE_LATEST
