"""The month-end package: one ZIP per empresa with the XML and PDF of the month's authorized notes and notas.csv
in Excel pt-BR — from the CLI `fechamento` (docs/arquitetura.md §7) and from the admin as a background job."""

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from agentnfe.infra.extensions import db
from agentnfe.models import StatusNFSe

from . import factories
from .conftest import csrf_de
from .test_admin_convencoes import texto_visivel

CABECALHO = ("numero;data_emissao;competencia;tomador_documento;tomador_nome;valor;aliquota_iss;valor_iss;iss_retido;"
             "situacao;codigo_verificacao;descricao")  # fmt: skip
OUTUBRO = date(2026, 10, 1)


def nota(empresa, numero, status=StatusNFSe.CONCLUIDA, competencia=OUTUBRO, valor="1500.00"):
    return factories.nota(
        db.session, empresa, valor=valor, status=status, numero=numero, competencia=competencia,
        gateway_id=f"gw-{numero}", codigo_verificacao=f"CV{numero}", aliquota_iss=Decimal("2"),
        emitida_em=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),  # 20:30 of the 31st in São Paulo
    )  # fmt: skip


@pytest.fixture
def mes(firmas):
    empresa = firmas["a"]["empresa"]
    nota(empresa, "101")
    nota(empresa, "102", valor="250.50")
    nota(empresa, "103", status=StatusNFSe.CANCELADA)
    nota(empresa, "99", competencia=date(2026, 9, 1))  # another month
    factories.nota(db.session, empresa, status=StatusNFSe.ERRO, competencia=OUTUBRO)  # never authorized
    nota(firmas["b"]["empresa"], "500")  # another firm
    db.session.commit()
    return empresa


def ler_zip(caminho) -> tuple[list[list[str]], set[str], zipfile.ZipFile]:
    pacote = zipfile.ZipFile(caminho)
    texto = pacote.read("notas.csv").decode("utf-8")
    assert texto.startswith("\ufeff")
    linhas = list(csv.reader(io.StringIO(texto[1:]), delimiter=";"))
    return linhas, set(pacote.namelist()), pacote


def test_the_cli_writes_the_empresas_zip_with_its_spreadsheet_xmls_and_pdfs(runner, mes, tmp_path):
    resultado = runner.invoke(args=["fechamento", "--empresa", mes.cnpj, "--competencia", "2026-10", "--dest",
                                    str(tmp_path / "saida")])  # fmt: skip
    assert resultado.exit_code == 0, resultado.output
    arquivo = tmp_path / "saida" / f"fechamento-{mes.cnpj}-2026-10.zip"
    assert str(arquivo) in resultado.output and "3 nota(s)" in resultado.output
    linhas, nomes, _ = ler_zip(arquivo)
    assert ";".join(linhas[0]) == CABECALHO
    por_numero = {linha[0]: linha for linha in linhas[1:]}
    assert set(por_numero) == {"101", "102", "103"}
    assert por_numero["102"][1:3] == ["31/10/2026", "10/2026"]
    assert por_numero["102"][5:9] == ["250,50", "2", "5,01", "Não"]
    assert por_numero["101"][9] == "Autorizada" and por_numero["103"][9] == "Cancelada"
    assert por_numero["101"][10] == "CV101"
    assert {f"pdf/{n}.pdf" for n in por_numero} | {f"xml/{n}.xml" for n in por_numero} <= nomes
    assert "faltando.txt" not in nomes


def test_the_cli_packs_every_active_empresa_of_a_firm(runner, mes, firmas, tmp_path):
    factories.empresa(db.session, firmas["a"]["firma"], razao_social="Sem Notas Ltda", cnpj="11444777000161")
    db.session.commit()
    resultado = runner.invoke(args=["fechamento", "--contabilidade", "firma a", "--competencia", "10/2026", "--dest",
                                    str(tmp_path / "saida")])  # fmt: skip
    assert resultado.exit_code == 0, resultado.output
    esperados = {f"fechamento-{mes.cnpj}-2026-10.zip", "fechamento-11444777000161-2026-10.zip"}
    assert {p.name for p in (tmp_path / "saida").iterdir()} == esperados
    vazio, _, _ = ler_zip(tmp_path / "saida" / "fechamento-11444777000161-2026-10.zip")
    assert len(vazio) == 1  # the header alone: a month without notes is still a package


@pytest.mark.parametrize(
    "argumentos, mensagem",
    [
        (["--competencia", "2026-10"], "informe --empresa CNPJ ou --contabilidade NOME"),
        (["--empresa", "11.222.333/0001-81", "--competencia", "2026-13"], "Competência '2026-13' não é um mês"),
        (["--empresa", "11.222.333/0001-00", "--competencia", "2026-10"], "inválido"),
        (["--contabilidade", "Firma Z", "--competencia", "2026-10"], "contabilidade 'Firma Z' não existe"),
        (["--empresa", "11.444.777/0001-61", "--competencia", "2026-10"], "nenhuma empresa encontrada"),
    ],
)
def test_the_cli_says_what_is_wrong(runner, mes, tmp_path, argumentos, mensagem):
    resultado = runner.invoke(args=["fechamento", *argumentos, "--dest", str(tmp_path / "saida")])
    assert resultado.exit_code != 0 and mensagem in resultado.output
    assert not (tmp_path / "saida").exists()


def test_files_the_gateway_does_not_hand_over_are_listed_as_missing(make_app, firmas_app_plugnotas_fora, tmp_path):
    runner, empresa = firmas_app_plugnotas_fora
    resultado = runner.invoke(args=["fechamento", "--empresa", empresa.cnpj, "--competencia", "2026-10", "--dest",
                                    str(tmp_path / "saida")])  # fmt: skip
    assert resultado.exit_code == 0, resultado.output
    assert "arquivo(s) faltando" in resultado.output
    linhas, nomes, pacote = ler_zip(tmp_path / "saida" / f"fechamento-{empresa.cnpj}-2026-10.zip")
    assert len(linhas) == 2 and "faltando.txt" in nomes  # the note is in the spreadsheet even so
    faltando = pacote.read("faltando.txt").decode()
    assert "201: PDF ainda não disponível" in faltando and "201: XML não entregue" in faltando


@pytest.fixture
def firmas_app_plugnotas_fora(make_app):
    app = make_app(NFSE_GATEWAY="plugnotas", PLUGNOTAS_API_KEY="chave", GATEWAY_TIMEOUT=1.0)
    with app.app_context():
        firma = factories.contabilidade(db.session, "Firma Fora")
        empresa = factories.empresa(db.session, firma, razao_social="Fora Ltda")
        nota(empresa, "201")
        db.session.commit()
        yield app.test_cli_runner(), empresa


def test_the_admin_builds_the_package_in_the_background_and_offers_each_zip(client, auth, mes, firmas):
    auth.login("contador@a.com")
    pagina = client.get("/admin/fechamento/").get_data(as_text=True)
    token = csrf_de(pagina)
    ruim = client.post("/admin/fechamento/", data={"csrf_token": token, "empresa": "todas", "competencia": "13/2026"})
    assert "Competência inválida" in texto_visivel(ruim.get_data(as_text=True))
    resposta = client.post(
        "/admin/fechamento/", data={"csrf_token": token, "empresa": str(mes.id), "competencia": "10/2026"}
    )
    assert resposta.status_code == 302
    andamento = client.get(resposta.headers["Location"])
    texto = texto_visivel(andamento.get_data(as_text=True))
    assert "3 de 3 nota(s) reunidas — pronto." in texto and "Empresa A Ltda" in texto
    link = re.search(r'href="([^"]+\.zip)"', andamento.get_data(as_text=True)).group(1)
    baixado = client.get(link)
    assert baixado.status_code == 200 and baixado.mimetype == "application/zip"
    linhas, _, _ = ler_zip(io.BytesIO(baixado.data))
    assert {linha[0] for linha in linhas[1:]} == {"101", "102", "103"}

    client.post("/logout", data={"csrf_token": token})
    auth.login("contador@b.com")
    assert client.get(resposta.headers["Location"]).status_code == 404  # another firm's job is not there
    assert client.get(link).status_code == 404


def test_packages_are_kept_a_week_then_removed(app, tmp_path):
    import os
    import time

    from tasks.trabalhos import prune_jobs

    raiz = app.config["DATA_DIR"] / "trabalhos"
    velho, novo = raiz / "velho", raiz / "novo"
    for pasta in (velho, novo):
        pasta.mkdir(parents=True)
        (pasta / "estado.json").write_text("{}")
    agora = time.time()  # the files' times on the app's clock (in the run with the clock moved, not the disk's)
    os.utime(novo, (agora, agora))
    os.utime(velho, (agora - 8 * 86400, agora - 8 * 86400))
    prune_jobs.call_local()
    assert not velho.exists() and novo.exists()
