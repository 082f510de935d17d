"""A large CSV import cannot hold the database: the preview only reads, an import is linear in its rows, and an
upload the app accepts is never cut short by Caddy (a larger one gets the app's own 413 in Portuguese)."""

import io
import re

import pytest

from agentnfe.fiscal.documents import completar_cnpj
from agentnfe.infra.extensions import db

from .. import factories
from ..conftest import SENHA, csrf_de
from ..sql import statements
from .pilha_real import subir

CABECALHO = "contabilidade;cnpj;razao_social;inscricao_municipal;codigo_municipio;uf;regime;codigo_servico;aliquota_iss;telefones\n"


def linhas(firma: str, quantas: int, inicio: int = 0) -> str:
    return "".join(
        f"{firma};{completar_cnpj(f'{70000000 + i:08d}0001')};Empresa {i} Consultoria Ltda;{i};3550308;SP;"
        f"simples_nacional;01.07;2,5;11 9{i:08d}\n"
        for i in range(inicio, inicio + quantas)
    )


def previa(client, auth, conteudo: bytes):
    token = auth.csrf("/admin/importar/")
    return client.post(
        "/admin/importar/", data={"csrf_token": token, "arquivo": (io.BytesIO(conteudo), "e.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip


def test_the_preview_sends_no_write_and_still_says_what_the_import_would_do(client, auth, firmas):
    outra = factories.empresa(db.session, firmas["b"]["firma"], cnpj=completar_cnpj("700000020001"))
    factories.empresa(db.session, firmas["a"]["firma"], cnpj=completar_cnpj("700000010001"))
    db.session.commit()
    assert outra.cnpj == completar_cnpj("700000020001")
    auth.login("root@op.com")  # the operator may create firms
    conteudo = CABECALHO + linhas("Firma A", 300) + linhas("Firma Nova", 3, 1000)
    with statements() as feitas:
        resposta = previa(client, auth, conteudo.encode())
    texto = " ".join(re.sub(r"<[^>]+>", "", resposta.get_data(as_text=True)).split())
    assert resposta.status_code == 200
    assert "301 empresa(s) serão criadas, 1 atualizadas" in texto and "1 linha(s) com erro" in texto, texto[:2000]
    assert "já é cadastrado por outra contabilidade" in texto and "Firma Nova" in texto
    assert [s for s in feitas if re.match(r"\s*(INSERT|UPDATE|DELETE|SAVEPOINT|RELEASE|BEGIN)\b", s, re.I)] == []


@pytest.fixture
def pilha(firmas, tmp_path):
    yield from subir(tmp_path, {})


def entrar(cliente) -> str:
    pagina = cliente.get("/login")
    cliente.post("/login", data={"email": "admin@a.com", "password": SENHA, "csrf_token": csrf_de(pagina.text)})
    return csrf_de(cliente.get("/admin/importar/").text)


def enviar(cliente, token: str, conteudo: bytes):
    return cliente.post("/admin/importar/", data={"csrf_token": token}, files={"arquivo": ("e.csv", conteudo)})


@pytest.mark.relogio_real  # serve and Caddy run on the machine's clock
def test_an_upload_the_app_accepts_passes_caddy_and_a_larger_one_gets_the_apps_413(pilha):
    limite = 10 * 1024 * 1024  # IMPORT_MAX_MB, in the app's MiB
    corpo = (CABECALHO + linhas("Firma A", 200)).encode()
    junto = corpo + (" " * 90 + ";" * 9 + "\n").encode() * 120_000  # blank rows: skipped, as a spreadsheet leaves them
    with pilha.cliente() as cliente:
        token = entrar(cliente)
        aceito = junto[: 10_030_000 - 20_000].rsplit(b"\n", 1)[0] + b"\n"  # ~10.03 MB with the multipart wrapping
        assert 10_000_000 < len(aceito) + 20_000 < limite
        resposta = enviar(cliente, token, aceito)
        assert resposta.status_code == 200, resposta.text[:500]
        assert "200 empresa(s) serão criadas" in " ".join(re.sub(r"<[^>]+>", "", resposta.text).split())
        grande = enviar(cliente, token, junto[: limite + 100_000])
        assert grande.status_code == 413 and "Arquivo grande demais" in grande.text
