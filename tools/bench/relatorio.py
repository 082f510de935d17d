"""The benchmark's table: every timing beside its yardstick from the same run, and the SQL budgets."""

from __future__ import annotations

from no_processo import ORCAMENTO, PAGINA_MAXIMO

NOMES = {"embutido": "embedded (SQLite + SQLite queue)", "servidor": "server (PostgreSQL + Redis)"}


def _razao(valor: float, referencia: float) -> str:
    return f"{valor / referencia:.2f}×" if referencia else "–"


def estouros(modo: dict) -> list[str]:
    """Budgets broken: a count above its budget at any scale, or one that differs between scales."""
    problemas = []
    por_escala = modo["sql"]
    for escala, contagem in por_escala.items():
        problemas += [f"{escala}×: {item}" for item in contagem["estourados"]]
    primeira = next(iter(por_escala.values()))
    for escala, contagem in por_escala.items():
        for grupo in ("unidades", "paginas"):
            for item, n in contagem[grupo].items():
                if n != primeira[grupo].get(item, n):
                    problemas.append(f"{item}: {primeira[grupo][item]} statements at the first scale, {n} at {escala}×")
    return problemas


def imprimir(execucao: dict) -> list[str]:
    """Print the whole run; returns the broken SQL budgets of every mode."""
    tipo = "quick" if execucao["rapido"] else "full"
    print(f"\nAgentNFe benchmark — {execucao['data']}, {execucao['cpus']} CPUs, Python {execucao['python']}, "
          f"{tipo} run, {execucao['duracao_s']} s")  # fmt: skip
    r = execucao["regras"]
    pior = r["familias"][r["pior"]]
    veredito = "within" if pior["max_ms"] <= r["orcamento_ms"] else "OVER"
    print(f"\nrules on hostile text ({len(r['familias'])} families, 4,096 characters each): worst {pior['max_ms']} ms "
          f"per message ({r['pior']!r} repeated; p50 {pior['p50_ms']} ms) — {veredito} the {r['orcamento_ms']} ms budget")  # fmt: skip
    todos = []
    for modo in execucao["modos"]:
        todos += _modo(modo)
    if todos:
        print("\nSQL BUDGETS BROKEN:\n  " + "\n  ".join(todos))
    return todos


def _modo(m: dict) -> list[str]:
    print(f"\n== {NOMES[m['modo']]}")
    passos, antes = [], 0
    for escala, segundos in m["seed_s"].items():
        passos.append(f"{int(escala) - antes} firms → {escala}× in {segundos} s")
        antes = int(escala)
    print(f"seed-demo: {'; '.join(passos)} ({sum(m['seed_s'].values()):.0f} s for {antes} firms)")
    ref, flask = m["referencias"], m["referencias"]["flask"]
    ingestao = m["ingestao"]
    linhas = [
        ("bare waitress route (8 connections)", f"{ref['waitress']['por_segundo']:.0f} req/s", "", ""),
        ("bare Flask route (8 connections)", f"{flask['por_segundo']:.0f} req/s",
         f"p50 {flask['p50_ms']} / p99 {flask['p99_ms']} ms", ""),
        ("webhook ingest at saturation", f"{ingestao['por_segundo']:.0f} msg/s",
         f"p50 {ingestao['p50_ms']} / p99 {ingestao['p99_ms']} ms", _razao(ingestao["por_segundo"], flask["por_segundo"]) + " Flask"),
        ("webhook at 100 msg/s offered", f"p99 {m['ingestao_100']['p99_ms']} ms",
         f"p50 {m['ingestao_100']['p50_ms']} ms, {m['ingestao_100']['erros']} errors", "target p99 < 50 ms"),
    ]  # fmt: skip
    for nome, r in m["ponta_a_ponta"].items():
        linhas.append(
            (f"end to end, worker {nome}", f"{r['por_segundo']:.0f} answered/s",
             f"reply p50 {r['p50_ms']} / p99 {r['p99_ms']} ms", f"{r['erros']} unanswered, {r['pedidos_llm']} LLM requests")
        )  # fmt: skip
    if "apos_ocioso" in m:
        ocioso = m["apos_ocioso"]
        linhas.append((f"reply after {ocioso['segundos']} s without traffic", f"{max(ocioso['ms']):.0f} ms (worst)",
                       f"samples {ocioso['ms']} ms", ""))  # fmt: skip
    e = m["emissao"]
    linhas.append(
        (f"emission ({e['notas']} notes, gateway 1 s)", f"{e['notas_por_segundo']} notes/s",
         f"'sim' → announcement p50 {e['confirmacao_ao_anuncio_p50_ms']} / p99 {e['confirmacao_ao_anuncio_p99_ms']} ms",
         f"{e['anunciadas']} announced, POSTs per note {e['posts_por_nota']}")
    )  # fmt: skip
    linhas.append(
        ("memory (RSS after the run)", f"web {m['memoria_mb']['web']} MB", f"worker {m['memoria_mb']['worker']} MB", "")
    )
    largura = max(len(linha[0]) for linha in linhas)
    for nome, valor, detalhe, razao in linhas:
        print(f"  {nome:<{largura}}  {valor:>18}  {detalhe:<44} {razao}")
    escalas = list(m["sql"])
    print(f"  SQL statements per unit of work at {' / '.join(f'{e}×' for e in escalas)} (budget):")
    for item, orcamento in ORCAMENTO.items():
        valores = " / ".join(str(m["sql"][e]["unidades"][item]) for e in escalas)
        print(f"    {item:<24} {valores:>12}  ({orcamento})")
    maior = {e: max(m["sql"][e]["paginas"].values()) for e in escalas}
    print(f"    {'busiest admin page':<24} {' / '.join(str(v) for v in maior.values()):>12}  ({PAGINA_MAXIMO})")
    print(f"  back-office, warm, at {escalas[-1]}× (median / p95 ms):")
    for pagina, t in m["paginas"].items():
        alvo = 100 if pagina.startswith("admin") else 200  # warm pages; a cleared cache is shown, not judged
        marca = "  (cold)" if "cache cleared" in pagina else "" if t["p95_ms"] < alvo else "  over target"
        print(f"    {pagina:<44} {t['mediana_ms']:>7} / {t['p95_ms']:<7}{marca}")
    return [f"{m['modo']}: {p}" for p in estouros(m)]
