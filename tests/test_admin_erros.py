"""Wrong input in the back-office gets a Portuguese answer beside the field — never SQL, English or a 500 — and
inputs take values as Brazilians type them, without cutting what is typed."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from agentnfe.infra.extensions import db
from agentnfe.models import (
    ClienteTomador,
    Empresa,
    EmpresaClienteTomador,
    FonteTomador,
    NFSe,
    StatusNFSe,
    TipoDocumento,
    UsuarioEmpresa,
)

from . import factories
from .test_admin_convencoes import texto_visivel
from .test_admin_fiscal import NOVA

RAIZ = Path(__file__).resolve().parent.parent
INGLES = re.compile(
    r"\b(Failed|failed|constraint|Integrity|SQL|INSERT|UPDATE|DELETE FROM|Traceback|Not Found|Too Many|record|"
    r"Field|field|required|Invalid|invalid|must|cannot)\b"
)


def sem_sql_nem_ingles(resposta) -> str:
    assert resposta.status_code < 500, resposta.status_code
    texto = texto_visivel(resposta.get_data(as_text=True))
    assert INGLES.findall(texto) == [], texto[:2000]
    return texto


def erros_dos_campos(resposta) -> dict[str, list[str]]:
    """The messages Flask-Admin prints under each field, by field name."""
    html = resposta.get_data(as_text=True)
    erros = {}
    for nome, bloco in re.findall(r'name="([^"]+)"[^>]*>(.*?)(?=<div class="form-group|</form>)', html, re.S):
        mensagens = re.findall(r"<li>\s*(.*?)\s*</li>", bloco, re.S)
        if mensagens and 'class="form-text text-danger' in bloco:
            erros[nome] = mensagens
    return erros


@pytest.mark.parametrize(
    "campo, valor, trecho",
    [
        ("cnpj", "11.444.777/0001-00", "CNPJ"),
        ("razao_social", "", "Campo obrigatório"),
        ("inscricao_municipal", "", "Preencha este campo"),
        ("codigo_municipio", "3550309", "não existe na tabela do IBGE"),
        ("codigo_municipio", "35503", "7 dígitos"),
        ("uf", "XX", "não existe"),
        ("cep", "01310-10", "8 dígitos"),
        ("email", "financeiro@", "mail"),
        ("aliquota_simples_iss", "abc", "alíquota"),
        ("servicos-0-codigo_servico", "99.99", "99.99"),
        ("servicos-0-aliquota_iss", "7", "fora do intervalo"),
        ("servicos-0-aliquota_iss", "-1", "alíquota"),
        ("razao_social", "X" * 201, "200 caracteres"),
    ],
)
def test_each_invalid_empresa_value_is_answered_in_portuguese_beside_its_field(
    client, auth, firmas, campo, valor, trecho
):
    auth.login("contador@a.com")
    token = auth.csrf("/admin/empresas/new/")
    resposta = client.post("/admin/empresas/new/", data={"csrf_token": token, **NOVA, campo: valor})
    assert resposta.status_code == 200
    texto = sem_sql_nem_ingles(resposta)
    assert "Não foi possível criar: corrija os campos indicados abaixo." in texto
    erros = erros_dos_campos(resposta)
    assert campo in erros and any(trecho in m for m in erros[campo]), erros
    assert db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == "11444777000161")) is None


def test_a_cnpj_of_another_empresa_is_refused_in_words(client, auth, firmas):
    auth.login("contador@a.com")
    outra = firmas["b"]["empresa"].cnpj
    token = auth.csrf("/admin/empresas/new/")
    resposta = client.post("/admin/empresas/new/", data={"csrf_token": token, **NOVA, "cnpj": outra})
    sem_sql_nem_ingles(resposta)
    assert "não está disponível" in " ".join(erros_dos_campos(resposta)["cnpj"])


def test_an_empresa_with_notes_is_not_deleted_but_can_be_deactivated(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    factories.nota(db.session, empresa)
    db.session.commit()
    auth.login("contador@a.com")
    token = auth.csrf("/admin/empresas/")
    resposta = client.post(
        "/admin/empresas/delete/", data={"id": empresa.id, "csrf_token": token}, follow_redirects=True
    )
    texto = sem_sql_nem_ingles(resposta)
    assert "tem notas emitidas e não pode ser excluída; desative-a" in texto
    assert db.session.get(Empresa, empresa.id) is not None

    token = auth.csrf("/admin/empresas/")
    client.post("/admin/empresas/action/", data={"action": "desativar", "rowid": [empresa.id], "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Empresa, empresa.id).ativa is False


def test_an_empresa_without_notes_is_deleted_with_its_phones_and_services(client, auth, firmas):
    empresa = factories.empresa(db.session, firmas["a"]["firma"], razao_social="Sem Notas Ltda", cnpj="11444777000161")
    factories.telefone(db.session, empresa, "5511977776666")
    db.session.commit()
    auth.login("contador@a.com")
    token = auth.csrf("/admin/empresas/")
    resposta = client.post(
        "/admin/empresas/delete/", data={"id": empresa.id, "csrf_token": token}, follow_redirects=True
    )
    assert "excluído" in sem_sql_nem_ingles(resposta)
    assert db.session.scalar(sa.select(UsuarioEmpresa.id).where(UsuarioEmpresa.telefone == "5511977776666")) is None


def test_a_tomador_with_notes_is_not_deleted(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    tomador = ClienteTomador(documento="11444777000161", tipo_documento=TipoDocumento.CNPJ, razao_social="Cliente SA",
                             fonte=FonteTomador.BRASILAPI)  # fmt: skip
    vinculo = EmpresaClienteTomador(empresa=empresa, tomador=tomador, nome="Cliente")
    db.session.add(vinculo)
    factories.nota(db.session, empresa, tomador=tomador)
    db.session.commit()
    auth.login("contador@a.com")
    token = auth.csrf("/admin/tomadores_empresa/")
    resposta = client.post(
        "/admin/tomadores_empresa/delete/", data={"id": vinculo.id, "csrf_token": token}, follow_redirects=True
    )
    assert "não pode ser excluído" in sem_sql_nem_ingles(resposta)
    assert db.session.get(EmpresaClienteTomador, vinculo.id) is not None


def test_a_phone_typed_with_country_code_and_punctuation_is_kept_whole(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/admin/telefones/new/")
    pagina = client.get("/admin/telefones/new/").get_data(as_text=True)
    assert "maxlength" not in pagina  # nothing typed is silently cut
    dados = {"csrf_token": token, "empresa": firmas["a"]["empresa"].id, "telefone": "+55 (11) 98765-1111", "ativo": "y"}
    assert client.post("/admin/telefones/new/", data=dados).status_code == 302
    assert db.session.scalar(sa.select(UsuarioEmpresa.id).where(UsuarioEmpresa.telefone == "5511987651111"))
    ruim = client.post("/admin/telefones/new/", data={**dados, "telefone": "123"})
    sem_sql_nem_ingles(ruim)
    assert "telefone" in " ".join(erros_dos_campos(ruim)["telefone"]).lower()


def test_no_form_cuts_what_is_typed(client, auth, firmas):
    auth.login("contador@a.com")
    nota = factories.nota(db.session, firmas["a"]["empresa"])
    db.session.commit()
    for url in ("/admin/empresas/new/", f"/admin/empresas/edit/?id={firmas['a']['empresa'].id}",
                f"/admin/notas/edit/?id={nota.id}", "/admin/telefones/new/", "/admin/usuarios/new/"):  # fmt: skip
        assert "maxlength" not in client.get(url).get_data(as_text=True), url


def test_a_note_takes_money_and_month_as_written_and_shows_them_back(client, auth, firmas):
    nota = factories.nota(db.session, firmas["a"]["empresa"], status=StatusNFSe.ERRO)
    db.session.commit()
    auth.login("contador@a.com")
    url = f"/admin/notas/edit/?id={nota.id}"
    token = auth.csrf(url)
    dados = {"csrf_token": token, "descricao": "Consultoria", "valor": "1.500,50", "competencia": "10/2026"}
    assert client.post(url, data=dados).status_code == 302
    db.session.expire_all()
    guardada = db.session.get(NFSe, nota.id)
    assert guardada.valor == Decimal("1500.50") and guardada.competencia == date(2026, 10, 1)
    formulario = client.get(url).get_data(as_text=True)
    assert 'value="1.500,50"' in formulario and 'value="10/2026"' in formulario
    ruim = client.post(url, data={**dados, "valor": "mil e tanto", "competencia": "13/2026"})
    sem_sql_nem_ingles(ruim)
    erros = erros_dos_campos(ruim)
    assert "valor" in erros and "competencia" in erros and "mm/aaaa" in erros["competencia"][0]


def test_the_simples_rate_typed_with_a_comma_is_two_and_a_half_not_twenty_five(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/admin/empresas/new/")
    resposta = client.post("/admin/empresas/new/", data={"csrf_token": token, **NOVA, "aliquota_simples_iss": "2,5"})
    assert resposta.status_code == 302
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert empresa.aliquota_simples_iss == Decimal("2.5")
    formulario = client.get(f"/admin/empresas/edit/?id={empresa.id}").get_data(as_text=True)
    assert re.search(r'name="aliquota_simples_iss"[^>]*value="2,5"', formulario)


def test_flask_admins_messages_come_from_our_catalog_compiled_as_committed():
    pasta = RAIZ / "admin/traducoes/pt_BR/LC_MESSAGES"
    fonte = read_po((pasta / "admin.po").open("rb"))
    compilado = io.BytesIO()
    write_mo(compilado, fonte)
    assert compilado.getvalue() == (pasta / "admin.mo").read_bytes(), "run the compile step in the .po header"
    assert read_mo((pasta / "admin.mo").open("rb"))["Failed to create record."].string.startswith("Não foi possível")


def test_error_pages_are_portuguese_and_inside_the_back_office(client, auth, firmas):
    auth.login("contador@a.com")
    pagina = client.get("/admin/nao-existe/")
    texto = sem_sql_nem_ingles(pagina) if pagina.status_code < 500 else ""
    assert pagina.status_code == 404 and "Página não encontrada" in texto and "Cadastros" in texto  # the menu


def test_a_server_error_is_a_portuguese_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def quebra():
        raise RuntimeError("boom")

    app.add_url_rule("/admin/quebra", "quebra", quebra)
    resposta = app.test_client().get("/admin/quebra")
    assert resposta.status_code == 500
    texto = texto_visivel(resposta.get_data(as_text=True))
    assert "Erro inesperado" in texto and "boom" not in texto and "Internal Server Error" not in texto


def test_too_many_logins_are_answered_in_portuguese(client, firmas):
    from .conftest import csrf_de

    for _ in range(25):
        token = csrf_de(client.get("/login").get_data(as_text=True))
        resposta = client.post("/login", data={"email": "x@y.com", "password": "errada-123", "csrf_token": token})
        if resposta.status_code == 429:
            break
    assert resposta.status_code == 429
    texto = texto_visivel(resposta.get_data(as_text=True))
    assert "Too Many Requests" not in texto and ("tentativas" in texto or "aguarde" in texto.lower())


def test_no_page_asks_another_host_for_anything(client, auth, firmas):
    """Offline desktop and LGPD: every stylesheet, script, font and image comes from this server."""
    paginas = {"/login": client.get("/login").get_data(as_text=True)}
    auth.login("contador@a.com")
    for url in ("/admin/", "/admin/notas/", "/admin/empresas/new/", "/admin/simulador/"):
        paginas[url] = client.get(url).get_data(as_text=True)
    folhas = set()
    for url, html in paginas.items():
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', html), url
        folhas |= set(re.findall(r'<link[^>]+href="(/[^"]+)"', html))
    for folha in folhas:
        css = client.get(folha).get_data(as_text=True)
        assert not re.findall(r"@import|url\(\s*['\"]?(?:https?:)?//", css), folha
