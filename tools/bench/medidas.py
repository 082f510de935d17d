"""Summaries of timed samples, shared by the benchmark's parts."""

from __future__ import annotations


def percentil(amostras: list[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank; 0 for no samples."""
    if not amostras:
        return 0.0
    ordenadas = sorted(amostras)
    return ordenadas[min(len(ordenadas) - 1, max(0, round(p / 100 * len(ordenadas)) - 1))]


def resumo(tempos: list[float], codigos: dict, segundos: float) -> dict:
    """Throughput and latency (ms) of a run of requests; only 2xx answers that were not throttled count as served."""
    servidos = sum(n for chave, n in codigos.items() if chave.startswith("2") and not chave.endswith("throttled"))
    return {
        "pedidos": len(tempos),
        "erros": len(tempos) - servidos,
        "segundos": round(segundos, 2),
        "por_segundo": round(servidos / segundos, 1) if segundos else 0.0,
        "p50_ms": round(percentil(tempos, 50) * 1000, 1),
        "p99_ms": round(percentil(tempos, 99) * 1000, 1),
        "codigos": dict(sorted(codigos.items())),
    }
