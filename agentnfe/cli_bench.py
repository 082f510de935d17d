"""`python -m agentnfe bench`: the benchmark of tests/bench/, run from a source checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

BENCH = Path(__file__).resolve().parents[1] / "tests" / "bench" / "bench.py"


@click.command("bench")
@click.option("--quick", is_flag=True, help="The short run (CI, about 3 minutes): 1× and 3× data, short loads.")
@click.option("--json", "arquivo", type=click.Path(dir_okay=False), help="Also write every figure to this file.")
@click.option("--keep-logs", is_flag=True, help="Keep the processes' logs and data of the run.")
def bench(quick: bool, arquivo: str | None, keep_logs: bool) -> None:
    """Measure ingest, end to end, emission, admin pages, seed time, memory and SQL budgets (exit 1: a SQL budget
    broke). Server mode too when BENCH_DATABASE_URL and BENCH_REDIS_URL are set (their data is destroyed)."""
    if not BENCH.exists():
        raise click.ClickException(f"{BENCH} not found: the benchmark runs from a source checkout (git clone)")
    argumentos = [*(["--quick"] if quick else []), *(["--json", arquivo] if arquivo else [])]
    argumentos += ["--keep-logs"] if keep_logs else []
    sys.exit(subprocess.call([sys.executable, str(BENCH), *argumentos]))


COMMANDS = [bench]
