"""The rules on hostile text: the time one message of 4,096 characters costs the worker, for each family of
tests/hostis.py, measured in this process (the rules touch no database or network)."""

from __future__ import annotations

import statistics
import time

from tests.hostis import ORCAMENTO_MS, familias, ler


def medir(vezes: int) -> dict:
    """Per family, the median and worst of `vezes` readings in ms; the worst family; the budget."""
    por_familia = {}
    for pedaco, texto in familias().items():
        tempos = []
        for _ in range(vezes):
            inicio = time.perf_counter()
            ler(texto)
            tempos.append((time.perf_counter() - inicio) * 1000)
        por_familia[pedaco] = {"p50_ms": round(statistics.median(tempos), 2), "max_ms": round(max(tempos), 2)}
    pior = max(por_familia, key=lambda pedaco: por_familia[pedaco]["max_ms"])
    return {"familias": por_familia, "pior": pior, "orcamento_ms": ORCAMENTO_MS}
