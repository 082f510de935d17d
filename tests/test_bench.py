"""The benchmark's command and its verdict (the benchmark itself runs in .ci/run: `python -m agentnfe bench --quick`)."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "tools" / "bench"
sys.path.insert(0, str(BENCH))

from relatorio import estouros  # noqa: E402

from agentnfe.cli import bench  # noqa: E402


def _modo(**por_escala) -> dict:
    return {
        "sql": {
            escala: {"unidades": unidades, "paginas": {"admin /admin/": 4}, "estourados": estourados}
            for escala, (unidades, estourados) in por_escala.items()
        }
    }


def test_a_budget_breaks_when_a_count_exceeds_it_or_grows_with_the_data():
    iguais = _modo(**{"1": ({"webhook": 1}, []), "10": ({"webhook": 1}, [])})
    assert estouros(iguais) == []
    cresce = _modo(**{"1": ({"webhook": 1}, []), "10": ({"webhook": 2}, ["webhook"])})
    assert estouros(cresce) == ["10×: webhook", "webhook: 1 statements at the first scale, 2 at 10×"]


def test_the_command_runs_the_checkouts_benchmark_or_says_where_it_lives(runner, monkeypatch, tmp_path):
    assert bench.BENCH == BENCH / "bench.py"
    monkeypatch.setattr(bench, "BENCH", tmp_path / "instalado-sem-testes.py")
    resultado = runner.invoke(args=["bench", "--quick"])
    assert resultado.exit_code == 1
    assert "runs from a source checkout" in resultado.output
