"""An accountant's daily tasks in the back-office: register a tomador, issue a note (espelho first), follow the
dashboard's cards to the matching list, read the totals of any filtered list, see an empresa's whole page."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import (
    Auditoria,
    ClienteTomador,
    EmpresaClienteTomador,
    FonteTomador,
    NFSe,
    NomeGateway,
    Sessao,
    StatusNFSe,
)

from . import factories
from .conftest import bot_settings, csrf_de, run_scheduled
from .test_admin_convencoes import texto_visivel


@pytest.fixture
def app(make_app, evolution):
    """The firms' app with the Receita (a fake BrasilAPI that knows every CNPJ) and WhatsApp at hand."""
    application = make_app(**bot_settings(evolution))
    with application.app_context():
        yield application
        db.session.rollback()


def test_a_tomador_is_registered_by_cpf_with_its_name(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    token = auth.csrf("/admin/tomadores_empresa/new/")
    dados = {"csrf_token": token, "empresa_id": empresa.id, "documento": "529.982.247-25", "nome": "Maria Souza",
             "email": "maria@exemplo.com.br", "cep": "01310-100"}  # fmt: skip
    sem_nome = client.post("/admin/tomadores_empresa/new/", data={**dados, "nome": ""})
    assert "informe o nome do tomador" in sem_nome.get_data(as_text=True)
    errado = client.post("/admin/tomadores_empresa/new/", data={**dados, "documento": "529.982.247-00"})
    assert "é inválido, confira os dígitos" in errado.get_data(as_text=True)
    assert client.post("/admin/tomadores_empresa/new/", data=dados).status_code == 302
    vinculo = db.session.scalar(sa.select(EmpresaClienteTomador).where(EmpresaClienteTomador.empresa_id == empresa.id))
    assert (vinculo.nome, vinculo.email, vinculo.cep) == ("Maria Souza", "maria@exemplo.com.br", "01310100")
    assert (vinculo.tomador.documento, vinculo.tomador.fonte) == ("52998224725", FonteTomador.MANUAL)
    repetido = client.post("/admin/tomadores_empresa/new/", data=dados)
    assert "já é tomador desta empresa" in repetido.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(EmpresaClienteTomador.id))) == 1
    [linha] = db.session.scalars(sa.select(Auditoria).where(Auditoria.objeto == "tomador")).all()
    assert linha.acao == "criar" and linha.mudancas["Empresa"][1] == str(empresa)


def test_a_tomador_registered_by_cnpj_is_completed_from_the_receita(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/admin/tomadores_empresa/new/")
    dados = {"csrf_token": token, "empresa_id": firmas["a"]["empresa"].id, "documento": "12.345.678/0001-95"}
    assert client.post("/admin/tomadores_empresa/new/", data=dados).status_code == 302
    registro = db.session.scalar(sa.select(ClienteTomador).where(ClienteTomador.documento == "12345678000195"))
    assert registro.razao_social  # the lookup ran in a task (inline here) and filled the name


def _emitir(client, token, **campos):
    return client.post("/admin/emitir/", data={"csrf_token": token, **campos})


def test_a_note_is_issued_from_the_admin_only_after_its_espelho(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    token = csrf_de(client.get(f"/admin/emitir/?empresa={empresa.id}").get_data(as_text=True))
    dados = {"empresa": empresa.id, "documento": "529.982.247-25", "nome": "Maria Souza", "valor": "1.500,00",
             "descricao": "Consultoria de novembro"}  # fmt: skip
    primeira = _emitir(client, token, **dados)
    espelho = texto_visivel(primeira.get_data(as_text=True))
    assert "Confira a nota antes de emitir" in espelho and "R$ 1.500,00" in espelho and "Maria Souza" in espelho
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0  # nothing issued by looking
    conferido = re.search(r'name="conferido" value="([^"]+)"', primeira.get_data(as_text=True)).group(1)
    mudou = _emitir(client, token, **{**dados, "valor": "1.800,00"}, conferido=conferido, confirmar="1")
    assert mudou.status_code == 200 and "R$ 1.800,00" in texto_visivel(mudou.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0  # a changed note shows its espelho again
    emitida = _emitir(client, token, **dados, conferido=conferido, confirmar="1")
    assert emitida.status_code == 302
    run_scheduled()
    nota = db.session.scalar(sa.select(NFSe))
    db.session.refresh(nota)
    assert (nota.valor, nota.empresa_id, nota.sessao_id) == (Decimal("1500.00"), empresa.id, None)
    assert nota.status is StatusNFSe.CONCLUIDA  # the same emission service and task as the bot's
    [linha] = db.session.scalars(sa.select(Auditoria).where(Auditoria.acao == "emitir")).all()
    assert linha.usuario == "contador@a.com" and linha.objeto_id == nota.id


def test_the_admin_issues_notes_only_for_its_own_empresas_and_checks_each_field(client, auth, firmas):
    auth.login("contador@a.com")
    token = csrf_de(client.get("/admin/emitir/").get_data(as_text=True))
    outra = _emitir(client, token, empresa=firmas["b"]["empresa"].id, documento="52998224725", nome="X",
                    valor="10", descricao="x")  # fmt: skip
    assert outra.status_code == 200 and db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0
    ruim = _emitir(client, token, empresa=firmas["a"]["empresa"].id, documento="529.982.247-00", valor="abc",
                   descricao="", competencia="12/2099")  # fmt: skip
    texto = texto_visivel(ruim.get_data(as_text=True))
    assert "é inválido, confira os dígitos" in texto and "Descreva o serviço" in texto
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0


def test_a_filtered_notes_list_shows_its_totals(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    for valor, status in (
        ("100.00", StatusNFSe.CONCLUIDA),
        ("250.50", StatusNFSe.CONCLUIDA),
        ("999.99", StatusNFSe.ERRO),
    ):
        factories.nota(db.session, empresa, valor=valor, status=status, aliquota_iss=Decimal("2"))
    factories.nota(db.session, firmas["b"]["empresa"], valor="5000.00", status=StatusNFSe.CONCLUIDA)
    db.session.commit()
    auth.login("contador@a.com")
    texto = texto_visivel(client.get("/admin/notas/?flt0_0=concluida").get_data(as_text=True))
    assert "2 nota(s) neste filtro" in texto and "Valor: R$ 350,50" in texto and "ISS: R$ 7,01" in texto
    todas = texto_visivel(client.get("/admin/notas/").get_data(as_text=True))
    assert "3 nota(s) neste filtro" in todas and "Rejeitadas ou com erro: 1 · Valor: R$ 999,99" in todas


def test_dashboard_cards_open_the_matching_filtered_list(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    for status in (StatusNFSe.ERRO, StatusNFSe.REJEITADA, StatusNFSe.ATENCAO, StatusNFSe.CONCLUIDA):
        factories.nota(db.session, empresa, status=status)
    db.session.commit()
    auth.login("contador@a.com")
    painel = client.get("/admin/").get_data(as_text=True)
    cartoes = dict(
        (titulo, (href.replace("&amp;", "&"), int(numero)))
        for href, titulo, numero in re.findall(
            r'<a class="card[^"]*" href="([^"]+)">.*?text-muted">([^<]+)<.*?data-numero="[^"]*">(\d+)<', painel, re.S
        )
    )
    for titulo in ("Notas emitidas hoje", "Precisam de atenção"):
        url, numero = cartoes[titulo]
        lista = texto_visivel(client.get(url).get_data(as_text=True))
        assert f"{numero} nota(s) neste filtro" in lista, (titulo, url)
    assert cartoes["Precisam de atenção"][1] == 3 and cartoes["Notas emitidas hoje"][1] == 1
    url, numero = cartoes["Empresas ativas"]
    assert f"Listar ({numero})" in client.get(url).get_data(as_text=True)


def test_no_pencil_where_a_note_cannot_be_edited(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    autorizada = factories.nota(db.session, empresa, status=StatusNFSe.CONCLUIDA, numero="12")
    com_erro = factories.nota(db.session, empresa, status=StatusNFSe.ERRO)
    db.session.commit()
    auth.login("contador@a.com")
    lista = client.get("/admin/notas/").get_data(as_text=True)
    assert f"/admin/notas/edit/?id={com_erro.id}" in lista and f"/admin/notas/edit/?id={autorizada.id}" not in lista
    tentativa = client.get(f"/admin/notas/edit/?id={autorizada.id}", follow_redirects=True)
    assert "não pode mais ser corrigida" in texto_visivel(tentativa.get_data(as_text=True))


def test_the_empresa_page_shows_its_notes_conversations_and_certificate(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    factories.nota(db.session, empresa, valor="321.00", status=StatusNFSe.CONCLUIDA, numero="4567")
    db.session.add(Sessao(telefone="5511900000097", empresa_id=empresa.id, provider="evolution", instance="x",
                          expira_em=datetime.now(UTC) + timedelta(minutes=30)))  # fmt: skip
    db.session.commit()
    auth.login("contador@a.com")
    pagina = client.get(f"/admin/empresas/details/?id={empresa.id}").get_data(as_text=True)
    texto = texto_visivel(pagina)
    assert "Últimas notas" in texto and "4567" in texto and "R$ 321,00" in texto
    assert "Últimas conversas" in texto and "+55 (11) 90000-0097" in texto
    assert "Certificado A1: sem certificado" in texto
    assert "Serviços" in texto and "17.01" in texto and "Telefones autorizados" in texto
    assert "Emissão por" in texto and "Cadastrada no gateway em" in texto and "Cadastrada Gateway Em" not in texto
    notas = re.search(r'href="([^"]+)">Todas as notas', pagina).group(1).replace("&amp;", "&")
    assert "1 nota(s) neste filtro" in texto_visivel(client.get(notas).get_data(as_text=True))
    assert f"/admin/emitir/?empresa={empresa.id}" in pagina


def test_the_admin_asks_the_tomador_address_a_national_note_needs_before_its_espelho(client, auth, firmas):
    """A CPF tomador with withheld ISS on the national emitter (E0237): CEP and number first; the street comes from
    the CEP's lookup, which runs in a task (inline here), never in the request; a CEP the service does not know
    (20040-002 here) is typed in."""
    empresa = firmas["a"]["empresa"]
    empresa.gateway, empresa.servicos[0].iss_retido = NomeGateway.NACIONAL, True
    db.session.commit()
    auth.login("contador@a.com")
    token = csrf_de(client.get(f"/admin/emitir/?empresa={empresa.id}").get_data(as_text=True))
    dados = {"empresa": empresa.id, "documento": "529.982.247-25", "nome": "Maria Souza", "valor": "1.500,00",
             "descricao": "Consultoria de novembro"}  # fmt: skip
    sem = texto_visivel(_emitir(client, token, **dados).get_data(as_text=True))
    assert "informe o CEP e o número" in sem and "Confira a nota antes de emitir" not in sem
    consultando = texto_visivel(_emitir(client, token, **dados, cep="01310-100", numero="1000").get_data(as_text=True))
    assert "Ainda não consultei este CEP" in consultando  # the lookup went to a task
    espelho = texto_visivel(_emitir(client, token, **dados, cep="01310-100", numero="1000").get_data(as_text=True))
    assert "Endereço do cliente: Avenida Paulista, 1000 — Bela Vista, São Paulo/SP, CEP 01310-100" in espelho
    digitar = texto_visivel(_emitir(client, token, **dados, cep="20040-002", numero="50").get_data(as_text=True))
    assert "preencha rua, bairro e o código IBGE do município" in digitar
    completo = {**dados, "cep": "20040-002", "numero": "50", "logradouro": "Av. Rio Branco", "bairro": "Centro",
                "codigo_municipio": "3304557"}  # fmt: skip
    primeira = _emitir(client, token, **completo)
    assert "Av. Rio Branco, 50 — Centro, Rio de Janeiro/RJ" in texto_visivel(primeira.get_data(as_text=True))
    conferido = re.search(r'name="conferido" value="([^"]+)"', primeira.get_data(as_text=True)).group(1)
    assert _emitir(client, token, **completo, conferido=conferido, confirmar="1").status_code == 302
    vinculo = db.session.scalar(sa.select(EmpresaClienteTomador))
    assert (vinculo.logradouro, vinculo.numero, vinculo.cep, vinculo.codigo_municipio) == (
        "Av. Rio Branco", "50", "20040002", "3304557",
    )  # fmt: skip


def test_the_notes_list_totals_each_situation_apart_and_filters_by_competencia(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    outubro, novembro = date(2026, 10, 1), date(2026, 11, 1)
    for valor, status, competencia in (
        ("100.00", StatusNFSe.CONCLUIDA, outubro),
        ("250.50", StatusNFSe.CONCLUIDA, novembro),
        ("999.99", StatusNFSe.REJEITADA, novembro),
        ("40.00", StatusNFSe.CANCELADA, novembro),
    ):
        factories.nota(
            db.session, empresa, valor=valor, status=status, aliquota_iss=Decimal("2"), competencia=competencia
        )
    db.session.commit()
    auth.login("contador@a.com")
    todas = texto_visivel(client.get("/admin/notas/").get_data(as_text=True))
    assert "4 nota(s) neste filtro" in todas
    assert "Autorizadas: 2 · Valor: R$ 350,50 · ISS: R$ 7,01" in todas  # never mixed with the rejected or cancelled
    assert "Rejeitadas ou com erro: 1 · Valor: R$ 999,99" in todas and "Canceladas: 1 · Valor: R$ 40,00" in todas
    assert "Competência" in todas and "10/2026" in todas and "Documento do tomador" in todas
    html = client.get("/admin/notas/").get_data(as_text=True)
    assert html.count('target="_blank" rel="noopener">PDF</a>') == 2  # the two authorized notes only
    filtro = next(i for i, f in enumerate(filtros_das_notas(client)) if f == "Competência")
    so_outubro = texto_visivel(client.get(f"/admin/notas/?flt0_{filtro}=10/2026").get_data(as_text=True))
    assert "1 nota(s) neste filtro" in so_outubro and "Autorizadas: 1 · Valor: R$ 100,00" in so_outubro
    exportado = client.get(f"/admin/notas/export/csv/?flt0_{filtro}=11/2026").get_data(as_text=True)
    assert "Competência" in exportado.splitlines()[0] and "11/2026" in exportado and "10/2026" not in exportado


def filtros_das_notas(client) -> list[str]:
    """The names of the notes list's filters, in Flask-Admin's order (the index in `flt0_<i>`)."""
    from admin.filtros import vista

    return [str(f.name) for f in vista("notas")._filters]


def test_the_period_filter_reads_the_brazilian_form_and_still_the_iso_one(client, auth, firmas):
    factories.nota(db.session, firmas["a"]["empresa"], valor="100.00")
    db.session.commit()
    auth.login("contador@a.com")
    indice = next(i for i, nome in enumerate(filtros_das_notas(client)) if nome == "Período")
    hoje = relogio.agora_local()
    valores = {
        f"{hoje:%d/%m/%Y} 00:00 a {hoje:%d/%m/%Y} 23:59": 1,
        f"{hoje:%d/%m/%Y} a {hoje:%d/%m/%Y}": 1,  # whole days
        f"{hoje:%Y-%m-%d} 00:00:00 to {hoje:%Y-%m-%d} 23:59:59": 1,  # links made before the picker spoke Portuguese
        "01/01/2020 a 31/01/2020": 0,
    }
    for valor, quantas in valores.items():
        texto = texto_visivel(
            client.get("/admin/notas/", query_string={f"flt0_{indice}": valor}).get_data(as_text=True)
        )
        assert f"{quantas} nota(s) neste filtro" in texto, valor


def test_an_expected_retry_is_one_warning_line_not_an_error_traceback(app, caplog, brasilapi_padrao):
    """BrasilAPI not knowing a CEP (or being down) makes the lookup task retry: a WARNING naming why, no traceback."""
    from tasks.emissao import lookup_cep

    with caplog.at_level("WARNING", logger="huey"):
        lookup_cep("99999999")
    registros = [r for r in caplog.records if r.name == "huey"]
    assert registros and all(r.levelname == "WARNING" and r.exc_info is None for r in registros)
    assert "task will be retried: CEP lookup failed" in registros[0].getMessage()


def test_a_stuck_note_page_offers_corrigir_and_reemitir_and_an_authorized_one_neither(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    parada = factories.nota(db.session, empresa, status=StatusNFSe.ERRO, mensagem_erro="falta o nome do tomador")
    autorizada = factories.nota(db.session, empresa, status=StatusNFSe.CONCLUIDA)
    db.session.commit()
    auth.login("contador@a.com")
    pagina = client.get(f"/admin/notas/details/?id={parada.id}").get_data(as_text=True)
    assert 'id="corrigir"' in pagina and f"/admin/notas/edit/?id={parada.id}" in pagina and 'id="reemitir"' in pagina
    outra = client.get(f"/admin/notas/details/?id={autorizada.id}").get_data(as_text=True)
    assert 'id="corrigir"' not in outra and 'id="reemitir"' not in outra
    sem_csrf = client.post("/admin/notas/reemitir/", data={"id": parada.id})
    assert sem_csrf.status_code == 400  # a form like every other: CSRF checked
    token = csrf_de(pagina)
    resposta = client.post("/admin/notas/reemitir/", data={"csrf_token": token, "id": parada.id})
    assert resposta.status_code == 302 and resposta.headers["Location"].endswith(
        f"/admin/notas/details/?id={parada.id}"
    )
    assert [a.acao for a in db.session.scalars(sa.select(Auditoria).where(Auditoria.objeto_id == parada.id))] == [
        "reemitir"
    ]
    outra_firma = factories.nota(db.session, firmas["b"]["empresa"], status=StatusNFSe.ERRO)
    db.session.commit()
    client.post("/admin/notas/reemitir/", data={"csrf_token": token, "id": outra_firma.id})
    assert db.session.scalar(sa.select(Auditoria.id).where(Auditoria.objeto_id == outra_firma.id)) is None


def test_a_cnpj_the_receita_was_not_asked_about_gets_its_name_before_the_espelho(
    client, auth, firmas, brasilapi_padrao
):
    """The lookup runs in a task (inline here), never in the request; when it fails the name is typed in."""
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    token = csrf_de(client.get(f"/admin/emitir/?empresa={empresa.id}").get_data(as_text=True))
    dados = {"empresa": empresa.id, "documento": "11.444.777/0001-61", "valor": "1.500,00", "descricao": "Consultoria"}
    primeira = texto_visivel(_emitir(client, token, **dados).get_data(as_text=True))
    assert "Ainda não tenho o nome deste CNPJ na Receita" in primeira and "Confira a nota antes" not in primeira
    segunda = texto_visivel(_emitir(client, token, **dados).get_data(as_text=True))
    assert "Confira a nota antes de emitir" in segunda and "EXEMPLO" in segunda.upper()
    brasilapi_padrao.modo = "500"
    try:
        fora = {**dados, "documento": "06.990.590/0001-23"}
        assert "Ainda não tenho o nome" in texto_visivel(_emitir(client, token, **fora).get_data(as_text=True))
        com_nome = texto_visivel(_emitir(client, token, **fora, nome="Cliente Digitado Ltda").get_data(as_text=True))
        assert "Confira a nota antes de emitir" in com_nome and "Cliente Digitado Ltda" in com_nome
    finally:
        brasilapi_padrao.modo = "ok"
