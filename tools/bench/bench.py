"""The benchmark: `python -m agentnfe bench [--quick] [--json FILE]` (or `python tools/bench/bench.py …`).

For each mode — embedded (SQLite, SQLite queue) always; PostgreSQL + Redis when BENCH_DATABASE_URL and
BENCH_REDIS_URL are set (their contents are destroyed) — it starts the app as deployed (`serve --no-worker`, one
`worker`), the fakes (LLM 1.5 s, gateway 1 s, BrasilAPI) and, from separate processes, the load; seeds the demo
data step by step (1×, 10×, 100× firms; 1× and 3× with --quick) and at each step counts the SQL of every unit of
work; then measures, each time beside a yardstick run on the same machine in the same run:

- webhook ingest at saturation (8 connections) against a bare waitress app and a bare Flask route with the same
  server settings, and the latency at 100 messages/s offered (open loop);
- end to end: 120 WhatsApp users (each sends when answered) on the rules-only mix and with 30 % of the requests
  worded so that only the LLM settles them;
- emission: notes from the user's "sim" to the announcement with the note's number, POSTs per note;
- back-office pages, warm, for one firm's admin and for support; `seed-demo` time; memory of each process;
- the conversation rules on hostile text (tests/hostis.py): the worst time one 4,096-character message costs.

Exit status 1 when a SQL budget breaks (a count above its budget, or one that grows with the data), else 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import falsos  # noqa: E402
import processos  # noqa: E402
import regras  # noqa: E402
from no_processo import telefones_demo  # noqa: E402
from relatorio import imprimir  # noqa: E402

SENHA = "senha-bench-1"
TOKEN = "token-bench"
TOMADOR = "12.345.678/0001-95"
THREADS = 8


def plano(rapido: bool) -> dict:
    """How much of everything: --quick fits in CI's three minutes, the full run in fifteen."""
    if rapido:
        return dict(escalas=[1, 3], carga_s=3, usuarios=40, conversa_s=10, notas=10, vezes=5, workers=[32], ocioso_s=0)
    return dict(
        escalas=[1, 10, 100], carga_s=8, usuarios=120, conversa_s=25, notas=60, vezes=30, workers=[8, 64], ocioso_s=12
    )


def ambiente(modo: str, pasta: Path, extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTNFE_", "DATABASE_URL", "REDIS_"))}
    env.update(
        AGENTNFE_DATA_DIR=str(pasta / "dados"),
        WEBHOOK_TOKEN=TOKEN,
        WEBHOOK_PHONE_LIMIT="100000/minute",
        EVOLUTION_API_KEY="chave-evolution",
        EVOLUTION_INSTANCE="bench",
        HTTP_TIMEOUT="10",
        LOG_LEVEL="INFO",  # as deployed
        **extra,
    )
    if modo == "servidor":
        env.update(DATABASE_URL=os.environ["BENCH_DATABASE_URL"], REDIS_URL=os.environ["BENCH_REDIS_URL"])
    return env


def esvaziar_servidores() -> None:
    """The bench database's schema and the bench Redis database, emptied."""
    import redis
    import sqlalchemy as sa

    motor = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
    with motor.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    motor.dispose()
    redis.Redis.from_url(os.environ["BENCH_REDIS_URL"]).flushdb()


def cli(env: dict, pasta: Path, *comando: str) -> float:
    """Run `python -m agentnfe …` to the end; its duration in seconds."""
    import subprocess

    inicio = time.perf_counter()
    with (pasta / "cli.log").open("ab") as log:
        subprocess.run([sys.executable, "-m", "agentnfe", *comando], env=env, check=True, stdout=log, stderr=log)
    return time.perf_counter() - inicio


def no_processo(env: dict, pasta: Path, fase: str, *opcoes: str) -> dict:
    return processos.json_de("no_processo.py", pasta, f"{fase}.log", fase, "--senha", SENHA, *opcoes, env=env)


def semear(env: dict, pasta: Path, p: dict, usuarios: int) -> dict:
    """Seed up to each scale, counting the SQL of every unit of work at each; seed-demo's time per step."""
    resultado, feitas = {"seed_s": {}, "sql": {}}, 0
    for escala in p["escalas"]:
        resultado["seed_s"][escala] = round(
            cli(env, pasta, "seed-demo", "--scale", str(escala - feitas), "--password", SENHA), 1
        )
        if feitas == 0:
            no_processo(env, pasta, "preparar", "--telefones", str(usuarios))
        feitas = escala
        resultado["sql"][escala] = no_processo(env, pasta, "orcamentos")
    return resultado


def carga(url: str, pasta: Path, nome: str, **spec) -> dict:
    base = {"url": url, "corpo": "evolution", "quantos": 5000, "prefixo": f"{nome}-{time.time_ns()}"}
    return processos.carregar({**base, **spec, "cabecalhos": {"X-Webhook-Token": TOKEN}}, pasta, nome)


def referencias(pasta: Path, p: dict) -> dict:
    resultado = {}
    for tipo in ("waitress", "flask"):
        processo, porta = processos.referencia(tipo, THREADS, pasta)
        try:
            url = f"http://127.0.0.1:{porta}/webhook/evolution"
            resultado[tipo] = carga(url, pasta, f"ref-{tipo}", modo="fechado", conexoes=8, segundos=p["carga_s"])
        finally:
            processo.parar()
    return resultado


def conversar(url: str, porta_evolution: int, pasta: Path, nome: str, **spec) -> dict:
    base = {"modo": "conversa", "url": url, "porta_evolution": porta_evolution, "token": TOKEN, "cnpj": TOMADOR}
    return processos.carregar({**base, **spec, "prefixo": f"{nome}-{time.time_ns()}"}, pasta, nome)


def apos_ocioso(url: str, porta_evolution: int, pasta: Path, segundos: float) -> list[float]:
    """Reply time (ms) of one message sent after `segundos` without traffic, three times: what a user sees at a
    quiet hour, when the consumer's threads have backed off."""
    tempos = []
    for k, telefone in enumerate(telefones_demo(1, 3)):
        time.sleep(segundos)
        r = conversar(
            url, porta_evolution, pasta, f"ocioso-{k}", roteiro="rascunho", usuarios=[telefone], segundos=0.01
        )
        tempos.append(r["p50_ms"])
    return tempos


def rodar_modo(modo: str, p: dict, raiz: Path) -> dict:
    pasta = raiz / modo
    pasta.mkdir(parents=True)
    servicos = falsos.iniciar()
    porta_web, porta_evolution = processos.porta_livre(), processos.porta_livre()
    env = ambiente(modo, pasta, {**servicos.env(), "EVOLUTION_API_URL": f"http://127.0.0.1:{porta_evolution}"})
    resultado: dict = {"modo": modo}
    web = worker = None
    try:
        if modo == "servidor":
            esvaziar_servidores()
        cli(env, pasta, "db", "upgrade")
        resultado.update(semear(env, pasta, p, max(p["usuarios"], p["notas"])))
        resultado["referencias"] = referencias(pasta, p)
        web = processos.agentnfe("web", ["serve", "--no-worker", "--port", str(porta_web), "--threads", str(THREADS)], env, pasta, porta_web)  # fmt: skip
        url = f"http://127.0.0.1:{porta_web}/webhook/evolution"
        usuarios = telefones_demo(p["escalas"][-1], p["usuarios"])
        resultado["ponta_a_ponta"] = {}
        for threads in p["workers"]:
            worker = processos.agentnfe(f"worker-{threads}", ["worker", "-w", str(threads)], env, pasta)
            for llm in (0.0, 0.3):
                chave = f"{threads} threads, {int(llm * 100)} % LLM"
                resultado["ponta_a_ponta"][chave] = conversar(
                    url, porta_evolution, pasta, f"conversa-{threads}-{llm}", roteiro="rascunho",
                    usuarios=usuarios, segundos=p["conversa_s"], llm=llm,
                )  # fmt: skip
            if threads != p["workers"][-1]:
                worker.parar()
        emissao = conversar(
            url,
            porta_evolution,
            pasta,
            "emissao",
            roteiro="emissao",
            usuarios=telefones_demo(p["escalas"][-1], p["notas"]),
        )
        if p["ocioso_s"]:
            resultado["apos_ocioso"] = {
                "segundos": p["ocioso_s"],
                "ms": apos_ocioso(url, porta_evolution, pasta, p["ocioso_s"]),
            }
        enviadas = servicos.plugnotas.notas_enviadas()
        emissao["posts_por_nota"] = sorted(set(enviadas.values()))
        resultado["emissao"] = emissao
        resultado["memoria_mb"] = {"worker": worker.rss_mb()}
        worker.parar()
        worker = None
        aquecer = dict(modo="fechado", conexoes=8, quantos=1000)  # every phone's session opened before the count
        carga(url, pasta, "aquecimento", **aquecer, segundos=3)
        resultado["ingestao"] = carga(url, pasta, "ingestao", **aquecer, segundos=p["carga_s"])
        resultado["ingestao_100"] = carga(url, pasta, "aberto", modo="aberto", taxa=100, segundos=p["carga_s"])
        resultado["memoria_mb"]["web"] = web.rss_mb()
        resultado["paginas"] = no_processo(env, pasta, "paginas", "--vezes", str(p["vezes"]))
    finally:
        for processo in (worker, web):
            if processo is not None:
                processo.parar()
        servicos.fechar()
    return resultado


def modos() -> list[str]:
    servidor = os.environ.get("BENCH_DATABASE_URL") and os.environ.get("BENCH_REDIS_URL")
    if not servidor:
        print("server mode skipped: set BENCH_DATABASE_URL and BENCH_REDIS_URL (their data is destroyed)")
    return ["embutido", "servidor"] if servidor else ["embutido"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentnfe bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short run (CI): 1× and 3× data, short loads")
    parser.add_argument("--json", dest="arquivo_json", help="also write every figure to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs and data (path printed)")
    args = parser.parse_args(argv)
    p = plano(args.quick)
    raiz = Path(tempfile.mkdtemp(prefix="agentnfe-bench-"))
    inicio = time.perf_counter()
    execucao = {
        "data": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rapido": args.quick,
        "modos": [],
    }
    try:
        execucao["regras"] = regras.medir(p["vezes"])
        for modo in modos():
            execucao["modos"].append(rodar_modo(modo, p, raiz))
    except Exception:
        print(f"benchmark failed; logs kept in {raiz}", file=sys.stderr)
        raise
    execucao["duracao_s"] = round(time.perf_counter() - inicio)
    estourados = imprimir(execucao)
    if args.arquivo_json:
        Path(args.arquivo_json).write_text(json.dumps(execucao, indent=2, ensure_ascii=False))
    if args.keep_logs:
        print(f"\nlogs and data kept in {raiz}")
    else:
        shutil.rmtree(raiz, ignore_errors=True)
    return 1 if estourados else 0


if __name__ == "__main__":
    sys.exit(main())
