"""`python -m agentnfe bench`: the benchmark of tools/bench/, run from a source checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

BENCH = Path(__file__).resolve().parents[2] / "tools" / "bench" / "bench.py"


@click.command("bench", help="Mede recepção, ponta a ponta, emissão, painel e orçamentos de SQL.")
@click.option("--quick", is_flag=True, help="A rodada curta (CI, uns 3 minutos): dados 1× e 3×, cargas curtas.")
@click.option("--json", "arquivo", type=click.Path(dir_okay=False), help="Grava também todos os números neste arquivo.")
@click.option("--keep-logs", is_flag=True, help="Mantém os logs e os dados dos processos da rodada.")
def bench(quick: bool, arquivo: str | None, keep_logs: bool) -> None:
    """Measure ingest, end to end, emission, admin pages, seed time, memory and SQL budgets (exit 1: a SQL budget
    broke). Server mode too when BENCH_DATABASE_URL and BENCH_REDIS_URL are set (their data is destroyed)."""
    if not BENCH.exists():
        raise click.ClickException(f"{BENCH} not found: the benchmark runs from a source checkout (git clone)")
    argumentos = [*(["--quick"] if quick else []), *(["--json", arquivo] if arquivo else [])]
    argumentos += ["--keep-logs"] if keep_logs else []
    sys.exit(subprocess.call([sys.executable, str(BENCH), *argumentos]))


COMMANDS = [bench]
