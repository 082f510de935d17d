"""An accountant's month in a real browser: import empresas (one row broken, fixed in the form), register a
tomador, issue a note from the admin and one from the simulator, cancel one with a reason, filter the month and
read its totals, download the month-end package and open its spreadsheet, read the audit trail."""

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import sqlalchemy as sa

from admin.filtros import PeriodoLocal, periodo, url_filtrada, vista
from admin.views.notas import TOTAIS
from agentnfe.fiscal import formatar_brl
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import Auditoria, Empresa, NFSe, StatusNFSe

from .. import factories
from .conftest import SENHA, dizer, escolher_empresa, foto

CSV = (
    "contabilidade;cnpj;razao_social;inscricao_municipal;codigo_municipio;uf;regime;codigo_servico;aliquota_iss;telefones\n"
    "Contábil Alfa;11.444.777/0001-61;Gama Engenharia Ltda;555;3550308;SP;lucro_presumido;07.01;3;11 98888-7777\n"
    "Contábil Alfa;06.990.590/0001-00;Delta Design Ltda;556;3550308;SP;simples_nacional;23.01;2;\n"
)
"""The second row's CNPJ has wrong check digits (06.990.590/0001-23 is right)."""


def entrar(pagina, base):
    pagina.goto(f"{base}/login")
    pagina.fill("input[name=email]", "ana@alfa.com.br")
    pagina.fill("input[name=password]", SENHA)
    pagina.click("button[type=submit]")
    pagina.wait_for_url(f"{base}/admin/")


def test_an_accountants_month(servidor, pagina, tmp_path):
    app, base, ids = servidor
    pagina.on("dialog", lambda dialogo: dialogo.accept())
    with app.app_context():
        antiga = db.session.scalar(sa.select(Empresa).where(Empresa.razao_social == "Padaria Antiga Ltda"))
        autorizada = factories.nota(
            db.session, antiga, status=StatusNFSe.CONCLUIDA, numero="900", gateway_id="mock-900",
            competencia=relogio.hoje().replace(day=1), emitida_em=datetime.now(UTC), codigo_verificacao="CV900",
        )  # fmt: skip
        db.session.commit()
        autorizada_id = autorizada.id
    entrar(pagina, base)

    # 1. import: the preview shows the broken row; only the good one is stored
    arquivo = tmp_path / "empresas.csv"
    arquivo.write_bytes(CSV.encode("cp1252"))
    pagina.goto(f"{base}/admin/importar/")
    pagina.set_input_files("input[name=arquivo]", str(arquivo))
    pagina.click("text=Ver prévia")
    pagina.wait_for_selector("#previa")
    assert "1 empresa(s) serão criadas" in pagina.inner_text("#resumo-previa")
    assert "06.990.590/0001-00 é inválido" in pagina.inner_text("#erros-importacao")
    assert "Windows-1252" in pagina.inner_text("#previa")
    foto(pagina, "importar-previa")
    pagina.click("text=Confirmar importação")
    pagina.wait_for_selector("#resultado-importacao")
    assert "1 empresas criadas" in pagina.inner_text("#resultado-importacao")

    # 2. the broken row, fixed in the form
    pagina.goto(f"{base}/admin/empresas/new/")
    for campo, valor in (("cnpj", "06.990.590/0001-23"), ("razao_social", "Delta Design Ltda"),
                         ("inscricao_municipal", "556"), ("codigo_municipio", "3550308"), ("uf", "SP"),
                         ("logradouro", "Rua Augusta"), ("numero", "10"), ("bairro", "Consolação"), ("cep", "01305-000"),
                         ("aliquota_simples_iss", "2,5")):  # fmt: skip
        pagina.fill(f"input[name={campo}]", valor)
    pagina.select_option("select[name=regime]", "simples_nacional")
    pagina.click("text=Adicionar Serviço")
    pagina.fill("input[name='servicos-0-codigo_servico']", "23.01")
    pagina.fill("input[name='servicos-0-aliquota_iss']", "2")
    pagina.check("input[name='servicos-0-padrao']")
    pagina.click("input[type=submit]:not([name])")
    pagina.wait_for_selector("text=Registro criado com sucesso")
    with app.app_context():
        delta = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "06990590000123"))
        assert delta.aliquota_simples_iss == 2.5
        delta_id = delta.id

    # 3. a tomador by CPF
    pagina.goto(f"{base}/admin/tomadores_empresa/new/")
    escolher_empresa(pagina, "empresa_id", "06.990", "06.990.590/0001-23")
    pagina.fill("input[name=documento]", "529.982.247-25")
    pagina.fill("input[name=nome]", "Maria Souza")
    pagina.click("input[type=submit]:not([name])")
    pagina.wait_for_selector("text=Maria Souza")

    # 4. a note from the admin, espelho first
    pagina.goto(f"{base}/admin/emitir/?empresa={delta_id}")
    pagina.fill("input[name=documento]", "529.982.247-25")
    pagina.fill("input[name=valor]", "1.234,56")
    pagina.fill("textarea[name=descricao]", "Projeto de identidade visual")
    pagina.click("text=Ver espelho")
    pagina.wait_for_selector("#espelho")
    espelho = pagina.inner_text("#espelho")
    assert "R$ 1.234,56" in espelho and "Maria Souza" in espelho
    foto(pagina, "emitir-espelho")
    pagina.click("text=Confirmar emissão")
    pagina.wait_for_selector("text=Nota enviada para emissão")

    # 5. a note from the simulator (the imported empresa's phone)
    pagina.goto(f"{base}/admin/simulador/?telefone=5511988887777")
    dizer(pagina, "nota de R$ 2.000,00 para 12.345.678/0001-95, laudo técnico", "Confirma a emissão? (sim/não)")
    dizer(pagina, "sim", "Estou emitindo a nota")

    # 6. cancel the authorized note with a code and a reason
    pagina.goto(f"{base}/admin/notas/")
    pagina.check(f"input[name=rowid][value='{autorizada_id}']")
    pagina.click("text=Com selecionado")
    pagina.click("text=Cancelar nota autorizada")
    pagina.wait_for_selector("select[name=codigo]")
    pagina.select_option("select[name=codigo]", "2")
    pagina.fill("textarea[name=motivo]", "Serviço não foi prestado ao cliente")
    pagina.click("text=Pedir cancelamento")
    pagina.wait_for_selector("text=Cancelamento pedido")

    # 7. the month's notes and their totals
    with app.app_context():
        inicio = relogio.agora_local().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        fim = relogio.agora_local().replace(hour=23, minute=59, second=59, microsecond=0)
        do_mes = db.session.scalars(
            sa.select(NFSe).where(NFSe.criado_em >= inicio.astimezone(UTC), NFSe.criado_em <= fim.astimezone(UTC))
        ).all()
    with app.test_request_context():
        mes = url_filtrada(vista("notas"), ("Período", PeriodoLocal, periodo(inicio, fim)))
    pagina.goto(base + mes)
    totais = pagina.inner_text("#totais")
    assert f"{len(do_mes)} nota(s) neste filtro" in totais
    for rotulo, situacoes in TOTAIS:  # each group of situations summed apart
        grupo = [n for n in do_mes if n.status in situacoes]
        if grupo:
            assert f"{rotulo}: {len(grupo)} · Valor: {formatar_brl(sum(n.valor for n in grupo))}" in totais
    periodo_digitado = pagina.locator("input.filter-val").first
    assert re.fullmatch(
        r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} a \d{2}/\d{2}/\d{4} \d{2}:\d{2}", periodo_digitado.input_value()
    )
    periodo_digitado.click()  # the picker speaks Portuguese
    calendario = pagina.locator(".daterangepicker").first
    assert "Aplicar" in calendario.inner_text() and "Seg" in calendario.inner_text()
    pagina.click("#totais")  # closes the picker
    foto(pagina, "notas-totais")

    # 8. the month-end package of the Padaria, and its spreadsheet
    pagina.goto(f"{base}/admin/fechamento/")
    escolher_empresa(pagina, "empresa", "Padaria", "Padaria Antiga Ltda")
    pagina.fill("input[name=competencia]", f"{inicio:%m/%Y}")
    pagina.click("text=Montar o fechamento")
    pagina.wait_for_selector("#arquivos a")
    foto(pagina, "fechamento")
    with pagina.expect_download() as baixando:
        pagina.click("#arquivos a")
    zip_baixado = tmp_path / "fechamento.zip"
    baixando.value.save_as(zip_baixado)
    planilha = zipfile.ZipFile(zip_baixado).read("notas.csv").decode("utf-8").lstrip("\ufeff")
    [cabecalho, linha] = list(csv.reader(io.StringIO(planilha), delimiter=";"))
    assert cabecalho[0] == "numero" and linha[0] == "900" and linha[10] == "CV900"

    # 9. the audit trail tells the month
    pagina.goto(f"{base}/admin/auditoria/")
    trilha = pagina.inner_text("table.model-list")
    for trecho in ("Importação de empresas", "Delta Design Ltda", "Maria Souza", "Nota emitida pelo painel",
                   "código 2 (serviço não prestado)"):  # fmt: skip
        assert trecho in trilha, trecho
    assert trilha.count("ana@alfa.com.br") >= 5
    foto(pagina, "auditoria")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Auditoria.id))) >= 5
