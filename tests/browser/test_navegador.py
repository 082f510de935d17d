"""The back-office in a real browser (Debian's Chromium driven by Playwright) against waitress on localhost."""

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Empresa, NFSe, StatusNFSe

from .. import factories
from ..certs import gerar_pfx
from .conftest import SENHA, dizer, escolher_empresa, foto, numero


def test_an_accountants_day(servidor, pagina, tmp_path):
    app, base, ids = servidor
    pagina.on("dialog", lambda dialogo: dialogo.accept())

    pagina.goto(f"{base}/admin/")
    assert "/login" in pagina.url
    pagina.fill("input[name=email]", "ana@alfa.com.br")
    pagina.fill("input[name=password]", SENHA)
    pagina.click("button[type=submit]")
    pagina.wait_for_url(f"{base}/admin/")
    assert numero(pagina, "Empresas ativas") == 1
    assert numero(pagina, "Precisam de atenção") == 1

    pagina.goto(f"{base}/admin/empresas/new/")
    pagina.fill("input[name=cnpj]", "11.222.333/0001-81")
    pagina.fill("input[name=razao_social]", "Alfa Consultoria Ltda")
    pagina.fill("input[name=inscricao_municipal]", "1234567")
    pagina.fill("input[name=codigo_municipio]", "3550308")
    pagina.fill("input[name=uf]", "SP")
    pagina.fill("input[name=logradouro]", "Rua das Flores")
    pagina.fill("input[name=numero]", "100")
    pagina.fill("input[name=bairro]", "Centro")
    pagina.fill("input[name=cep]", "01001-000")
    pagina.select_option("select[name=regime]", "simples_nacional")
    pagina.fill("input[name=aliquota_simples_iss]", "2,01")
    pagina.click("text=Adicionar Serviço")
    pagina.fill("input[name='servicos-0-codigo_servico']", "17.01")
    pagina.fill("input[name='servicos-0-descricao']", "Consultoria")
    pagina.fill("input[name='servicos-0-aliquota_iss']", "2")
    pagina.check("input[name='servicos-0-padrao']")
    pagina.click("input[type=submit]:not([name])")
    pagina.wait_for_selector("text=Alfa Consultoria Ltda")
    with app.app_context():
        empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11222333000181"))
        factories.telefone(db.session, empresa, "5511987654321")
        db.session.commit()

    pfx = tmp_path / "alfa.pfx"
    pfx.write_bytes(gerar_pfx("11222333000181"))
    pagina.goto(f"{base}/admin/certificados/new/")
    escolher_empresa(pagina, "empresa_id", "Alfa", "Alfa Consultoria Ltda (11.222.333/0001-81)")
    pagina.set_input_files("input[name=arquivo]", str(pfx))
    pagina.fill("input[name=senha]", "senha-do-cert")
    pagina.click("input[type=submit]:not([name])")
    pagina.wait_for_selector("text=guardado")

    pagina.goto(f"{base}/admin/simulador/?telefone=5511987654321")
    pedido = "nota de R$ 1.500,00 para 12.345.678/0001-95, consultoria de março"
    espelho = dizer(pagina, pedido, "Confirma a emissão? (sim/não)")
    assert "Tomador: Cliente Exemplo (12.345.678/0001-95)" in espelho
    dizer(pagina, "sim", "Estou emitindo a nota")
    foto(pagina, "simulador")

    pagina.wait_for_timeout(1100)  # the dashboard cache (1 s here, 60 s by default)
    pagina.goto(f"{base}/admin/")
    assert numero(pagina, "Empresas ativas") == 2
    assert numero(pagina, "Conversas ativas") == 1
    assert "Em processamento" in pagina.inner_text("body")
    foto(pagina, "painel")

    pagina.goto(f"{base}/admin/notas/")
    pagina.check(f"input[name=rowid][value='{ids['nota']}']")
    pagina.click("text=Com selecionado")
    pagina.click("text=Reemitir")
    pagina.wait_for_selector("text=1 nota(s) enviada(s) para reprocessamento")
    foto(pagina, "notas")
    with app.app_context():
        assert db.session.get(NFSe, ids["nota"]).status is StatusNFSe.PROCESSANDO

    pagina.goto(f"{base}/admin/sessoes/")
    pagina.click("a[title='Exibir registro']")
    pagina.wait_for_selector("#transcricao")
    assert "Confira a nota" in pagina.inner_text("#transcricao")
    foto(pagina, "transcricao")

    resposta = pagina.goto(f"{base}/admin/empresas/details/?id={ids['empresa_b']}")
    assert resposta.status == 404
    assert "Empresa da Beta" not in pagina.content()
