"""The product's log of a whole conversation and emission, read as an operator would (what the writer thread
prints), holds no secret and no full CPF or CNPJ, and follows one WhatsApp message from the webhook to its
task and to the gateway call it caused."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from agentnfe.infra import logs
from agentnfe.infra.extensions import db
from agentnfe.models import Direcao, Mensagem, NFSe, StatusNFSe

from ..conftest import CONTRACT_VARIABLES, WhatsApp, bot_settings, com_certificado, run_scheduled
from ..fakes import FakePlugNotas

SEGREDOS = {
    "OPENAI_API_KEY": "sk-segredo-openai-123456",
    "EVOLUTION_API_KEY": "segredo-evolution-abcdef",
    "WEBHOOK_TOKEN": "segredo-webhook-987654",
    "API_TOKEN": "segredo-api-token-555",
    "PLUGNOTAS_WEBHOOK_TOKEN": "segredo-callback-777",
}
RAIZ = Path(__file__).resolve().parent.parent.parent
DOCUMENTOS = ["12345678000195", "12.345.678/0001-95", "11222333000181", "11.222.333/0001-81", "52998224725",
              "529.982.247-25"]  # fmt: skip


@pytest.fixture
def escrito():
    """Everything the log writer thread prints while the test runs, as JSON lines."""
    saida = io.StringIO()
    captura = logging.StreamHandler(saida)
    captura.setFormatter(logging.Formatter("%(mensagem)s\t%(message)s"))
    logs._listener.handlers = (*logs._listener.handlers, captura)
    raiz = logging.getLogger()
    nivel, raiz.level = raiz.level, logging.DEBUG
    try:
        yield lambda: (logs._listener.stop(), logs._listener.start(), saida.getvalue())[-1]  # flush, then read
    finally:
        raiz.setLevel(nivel)
        logs._listener.handlers = tuple(h for h in logs._listener.handlers if h is not captura)


def test_a_conversation_and_its_emission_log_no_secret_and_no_full_document(
    make_app, evolution, plugnotas, brasilapi, openai_fake, alfa, escrito
):
    app = make_app(
        **bot_settings(
            evolution,
            NFSE_GATEWAY="plugnotas", PLUGNOTAS_URL=plugnotas.url, PLUGNOTAS_API_KEY=FakePlugNotas.API_KEY,
            BRASILAPI_URL=brasilapi.url, OPENAI_BASE_URL=openai_fake.url + "/v1", OPENAI_TIMEOUT=1.0,
            GATEWAY_TIMEOUT=1.0, HTTP_TIMEOUT=1.0, **SEGREDOS,
        )
    )  # fmt: skip
    with app.app_context():
        com_certificado(alfa.id)
        wa = WhatsApp(app.test_client(), evolution)
        wa.postar(wa.evento("nota para 12.345.678/0001-95, 1500 ou 1800, consultoria"), token=SEGREDOS["WEBHOOK_TOKEN"])
        brasilapi.modo = "500"  # a failed lookup logs the CPF/CNPJ it was about
        wa.postar(wa.evento("não, o CPF 529.982.247-25 é o certo"), token=SEGREDOS["WEBHOOK_TOKEN"])
        wa.postar(wa.evento("12.345.678/0001-95 então, valor 1500"), token=SEGREDOS["WEBHOOK_TOKEN"])
        wa.postar(wa.evento("sim"), token=SEGREDOS["WEBHOOK_TOKEN"])
        run_scheduled()
        assert db.session.scalar(sa.select(NFSe.status)) is StatusNFSe.CONCLUIDA
        confirmacao = db.session.scalar(
            sa.select(Mensagem.id).where(Mensagem.direcao == Direcao.ENTRADA, Mensagem.texto == "sim")
        )
        certificado_senha = "senha-do-cert"
        texto = escrito()

    segredos = [*SEGREDOS.values(), FakePlugNotas.API_KEY, certificado_senha, app.config["SECRET_KEY"],
                app.config["AGENTNFE_ENCRYPTION_KEY"]]  # fmt: skip
    assert [s for s in segredos if s in texto] == []
    assert [d for d in DOCUMENTOS if d in texto] == []
    assert "12.***.***/****-95" in texto or "12**********95" in texto  # documents were there, masked
    pedido_ao_gateway = [linha for linha in texto.splitlines() if "POST" in linha and "/nfse" in linha]
    assert pedido_ao_gateway and all(linha.split("\t")[0] == str(confirmacao) for linha in pedido_ao_gateway)


@pytest.mark.parametrize(
    "original,mascarado",
    [
        ("CNPJ 12.345.678/0001-95 ok", "CNPJ 12.***.***/****-95 ok"),
        ("/api/cnpj/v1/12345678000195", "/api/cnpj/v1/12**********95"),
        ("cpf 529.982.247-25.", "cpf 52*.***.***-25."),
        ("alfanumérico 12.ABC.345/01DE-35", "alfanumérico 12.***.***/****-35"),
        ("nota 2026000000001 de R$ 1.500,00 em 27/11/2026", "nota 2026000000001 de R$ 1.500,00 em 27/11/2026"),
        ("agentnfe-4ab9a0103eee4715bfee680fd8ddc20e", "agentnfe-4ab9a0103eee4715bfee680fd8ddc20e"),
    ],
)
def test_documents_are_masked_and_nothing_else(original, mascarado):
    assert logs.mascarar(original) == mascarado


def extrair(tmp_path, *opcoes, **env):
    ambiente = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    ambiente |= {"AGENTNFE_DATA_DIR": str(tmp_path / "dados"), **env}
    return subprocess.run(
        [sys.executable, "-m", "agentnfe", *opcoes, "extract", "--no-llm"],
        input='{"id": "1", "text": "nota de 10 para 12.345.678/0001-95"}\n',
        cwd=RAIZ, env=ambiente, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_cli_commands_print_only_what_was_asked_and_json_lines_when_asked(tmp_path):
    calado = extrair(tmp_path)
    assert calado.returncode == 0 and calado.stderr == ""  # no INFO lines for a person at a terminal
    assert json.loads(calado.stdout)["documento"] == "12345678000195"  # the answer itself is what was asked
    falante = extrair(tmp_path, "-v", LOG_FORMAT="json")
    linhas = [json.loads(linha) for linha in falante.stderr.splitlines()]
    assert linhas and all({"ts", "levelname", "name", "mensagem", "message"} <= set(linha) for linha in linhas)
    texto = extrair(tmp_path, "-v", LOG_FORMAT="text")
    assert texto.stderr and not texto.stderr.lstrip().startswith("{")


def test_a_wrong_log_setting_is_one_line(tmp_path):
    errado = extrair(tmp_path, LOG_FORMAT="xml")
    assert errado.returncode == 2 and errado.stderr.count("\n") == 1 and "LOG_FORMAT" in errado.stderr
