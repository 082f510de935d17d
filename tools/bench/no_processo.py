"""The benchmark's in-process parts, each run as a process of its own with the mode's environment (DATABASE_URL,
REDIS_URL, AGENTNFE_DATA_DIR, the fakes' URLs): `python tools/bench/no_processo.py FASE [options]`, JSON on stdout.

- `preparar --telefones N --senha P`: the support user, and an A1 certificate (registered at the gateway) for the
  empresas of the first N single-empresa demo phones, which the emission run uses.
- `orcamentos`: SQL statements per unit of work — one mid-conversation WhatsApp message (webhook, processing,
  delivery), one note's emission, each back-office page — checked against ORCAMENTO.
- `paginas --vezes N --senha P`: warm latency of every back-office page, as Firma 1's admin and as support.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SUPORTE = "suporte@bench.demo"
TOMADOR = "12.345.678/0001-95"

ORCAMENTO = {
    "webhook": 1,
    "processamento": 6,
    "entrega": 4,
    "emissao_envio": 10,
    "emissao_consulta_final": 4,
}
"""Statements per unit of work (one mid-conversation WhatsApp message: webhook, processing, delivery; one note:
the send to the gateway, the consult that finds it authorized), the same at 1×, 10× and 100× the demo data."""

PAGINA_MAXIMO = 6
"""Statements of any back-office list or the dashboard, as any user (as in tests/test_admin_desempenho.py)."""


def telefones_demo(firmas: int, quantos: int) -> list[str]:
    """Demo phones of one active empresa each (a firm's first five phones belong to two empresas; phones 19 and
    39 to its twentieth, which the demo keeps inactive)."""
    telefones = [f"55119{k:04d}{j:04d}" for k in range(1, firmas + 1) for j in range(5, 50) if j % 20 != 19]
    if len(telefones) < quantos:
        raise SystemExit(f"{quantos} users need more demo firms than {firmas}")
    return telefones[:quantos]


def preparar(args) -> dict:
    import sqlalchemy as sa

    from agentnfe.contas import criar_usuario
    from agentnfe.emission import certificados
    from agentnfe.infra import relogio
    from agentnfe.infra.extensions import db
    from agentnfe.models import Empresa, Papel, User, UsuarioEmpresa
    from tests.certs import gerar_pfx

    if db.session.scalar(sa.select(User.id).where(User.email == SUPORTE)) is None:
        criar_usuario(db.session, SUPORTE, Papel.SUPORTE, args.senha)
        db.session.commit()
    telefones = telefones_demo(1000, args.telefones)
    empresas = db.session.scalars(
        sa.select(Empresa).join(UsuarioEmpresa, UsuarioEmpresa.empresa_id == Empresa.id)
        .where(UsuarioEmpresa.telefone.in_(telefones)).distinct()
    ).all()  # fmt: skip
    for empresa in empresas:
        if not empresa.certificados:
            certificados.adicionar(db.session, empresa, gerar_pfx(empresa.cnpj), "senha-do-cert", relogio.hoje())
            db.session.commit()
    return {"empresas_com_certificado": len(empresas)}


def orcamentos(args) -> dict:
    """Statements of each unit of work on the data as it is now (caches warm, as in steady traffic)."""
    import sqlalchemy as sa
    from carga import evento_evolution
    from paginas import PAGINAS, entrar

    from agentnfe.conversation import engine
    from agentnfe.emission import acompanhamento, service
    from agentnfe.infra.extensions import db
    from agentnfe.models import Empresa, UsuarioEmpresa
    from tasks.entrega import entregar
    from tests.conftest import criar_nota
    from tests.sql import contagens, statements

    telefone = telefones_demo(1, 1)[0]
    client = app.test_client()
    cabecalhos = {"X-Webhook-Token": app.config["WEBHOOK_TOKEN"], "Content-Type": "application/json"}

    def mensagem(texto: str, ident: str) -> dict[str, int]:
        with statements() as webhook:
            resposta = client.post(
                "/webhook/evolution", data=evento_evolution(texto, telefone, ident), headers=cabecalhos
            )
        assert resposta.get_json() == {"status": "queued"}, resposta.get_json()
        with statements() as processamento:
            resultado = engine.processar_telefone(telefone)
        with statements() as entrega:
            for saida in resultado.entregar:
                entregar(saida)
        return {"webhook": len(webhook), "processamento": len(processamento), "entrega": len(entrega)}

    prefixo = f"orc-{time.time_ns()}"
    mensagem("cancelar", f"{prefixo}-0")
    mensagem(f"o cnpj é {TOMADOR}", f"{prefixo}-1")
    contado = mensagem("o valor é 1050", f"{prefixo}-2")

    empresa_id = db.session.scalar(sa.select(UsuarioEmpresa.empresa_id).where(UsuarioEmpresa.telefone == telefone))
    assert db.session.get(Empresa, empresa_id).certificados, "run `preparar` first"
    aquecimento = criar_nota(empresa_id)  # the first note of a run fills the tomador's and profile's caches
    service.emitir(aquecimento)
    acompanhamento.consultar(aquecimento, 0)
    nfse_id = criar_nota(empresa_id)
    with statements() as envio:
        service.emitir(nfse_id)
    with statements() as consulta:
        acompanhamento.consultar(nfse_id, 0)
    contado.update(emissao_envio=len(envio), emissao_consulta_final=len(consulta))

    entrar(client, "admin@firma1.demo", args.senha)
    paginas = {f"admin {p}": n for p, n in contagens(client, PAGINAS).items()}
    client = app.test_client()
    entrar(client, SUPORTE, args.senha)
    do_suporte = [p for p in PAGINAS if p != "/admin/usuarios/"]  # support sees no users
    paginas.update({f"suporte {p}": n for p, n in contagens(client, do_suporte).items()})
    estourados = [k for k, n in contado.items() if n > ORCAMENTO[k]]
    estourados += [k for k, n in paginas.items() if n > PAGINA_MAXIMO]
    return {"unidades": contado, "paginas": paginas, "estourados": estourados}


def latencias(args) -> dict:
    from paginas import PAGINAS, medir

    resultado = {}
    for quem, paginas_ in (("admin", PAGINAS), ("suporte", [p for p in PAGINAS if p != "/admin/usuarios/"])):
        email = "admin@firma1.demo" if quem == "admin" else SUPORTE
        for pagina, (mediana, p95) in medir(app, email, args.senha, args.vezes, paginas_).items():
            resultado[f"{quem} {pagina}"] = {"mediana_ms": round(mediana, 1), "p95_ms": round(p95, 1)}
    return resultado


FASES = {"preparar": preparar, "orcamentos": orcamentos, "paginas": latencias}
app = None


def main() -> None:
    global app
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fase", choices=FASES)
    parser.add_argument("--senha", required=True)
    parser.add_argument("--telefones", type=int, default=40)
    parser.add_argument("--vezes", type=int, default=30)
    args = parser.parse_args()

    from agentnfe.app import create_app
    from tests.fakes import FakeEvolution

    evolution = FakeEvolution()  # replies of the counted messages are delivered here (the loader is not running)
    evolution.contador = time.time_ns()  # its message ids, unique across runs as Evolution's are
    app = create_app({"HUEY_IMMEDIATE": False, "DASHBOARD_CACHE_SECONDS": 60, "EVOLUTION_API_URL": evolution.url})
    try:
        with app.app_context():
            resultado = FASES[args.fase](args)
    finally:
        evolution.close()
    json.dump(resultado, sys.stdout)


if __name__ == "__main__":
    main()
