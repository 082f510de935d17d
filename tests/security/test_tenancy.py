"""No firm reaches another firm's data or users: simulator, users, tomadores, details and exports."""

import pytest
import sqlalchemy as sa

from agentnfe.fiscal import formatar_documento
from agentnfe.infra.extensions import db
from agentnfe.models import (
    ClienteTomador,
    EmpresaClienteTomador,
    Estado,
    FonteTomador,
    Mensagem,
    NFSe,
    Provider,
    Sessao,
    TipoDocumento,
    User,
)

from .. import factories
from ..conftest import SENHA

TELEFONE_COMUM = "5511977776666"


@pytest.fixture
def telefone_de_duas_firmas(firmas):
    """One owner, two accountants: the same phone authorized on firm A's and firm B's empresas; firm B's
    WhatsApp conversation on it already holds a message."""
    factories.telefone(db.session, firmas["a"]["empresa"], TELEFONE_COMUM)
    factories.telefone(db.session, firmas["b"]["empresa"], TELEFONE_COMUM)
    sessao_b = factories.sessao(db.session, TELEFONE_COMUM, empresa_id=firmas["b"]["empresa"].id)
    db.session.add(
        Mensagem(sessao=sessao_b, direcao="in", texto="segredo da firma B", provider=Provider.EVOLUTION, instance="x")
    )
    db.session.commit()
    return firmas


def simular(client, token, texto, telefone=TELEFONE_COMUM):
    return client.post(
        "/admin/simulador/enviar", json={"telefone": telefone, "mensagem": texto}, headers={"X-CSRFToken": token}
    )


@pytest.mark.parametrize("email", ["admin@a.com", "contador@a.com"])
def test_the_simulator_sees_and_acts_only_for_the_users_firm(client, auth, telefone_de_duas_firmas, email):
    firmas = telefone_de_duas_firmas
    auth.login(email)
    pagina = client.get(f"/admin/simulador/?telefone={TELEFONE_COMUM}").get_data(as_text=True)
    assert "segredo da firma B" not in pagina
    token = auth.csrf("/admin/simulador/")
    resposta = simular(client, token, "nota de 1500 para a Padaria Sol, CNPJ 12.345.678/0001-95, consultoria")
    texto = resposta.get_json()["resposta"]
    assert "mais de uma empresa" not in texto and "Empresa B" not in texto  # firm B's empresa is not offered
    assert "Prestador: Empresa A Ltda" in texto
    simular(client, token, "sim")
    [nota] = db.session.scalars(sa.select(NFSe)).all()
    assert nota.empresa_id == firmas["a"]["empresa"].id
    db.session.expire_all()
    simuladas = db.session.scalars(sa.select(Sessao).where(Sessao.provider == Provider.SIMULADOR)).all()
    assert {s.usuario.email for s in simuladas} == {email}
    whatsapp = db.session.scalar(sa.select(Sessao).where(Sessao.provider == Provider.EVOLUTION))
    assert whatsapp.estado.value == "COLETA" and whatsapp.empresa_id == firmas["b"]["empresa"].id  # untouched


def test_two_users_simulating_one_phone_do_not_share_a_conversation(client, auth, telefone_de_duas_firmas):
    auth.login("admin@a.com")
    simular(client, auth.csrf("/admin/simulador/"), "nota de 1500 para a Padaria Sol, CNPJ 12.345.678/0001-95")
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("contador@a.com")
    pagina = client.get(f"/admin/simulador/?telefone={TELEFONE_COMUM}").get_data(as_text=True)
    assert "Padaria Sol" not in pagina
    resposta = simular(client, auth.csrf("/admin/simulador/"), "consultoria")
    assert "Qual o CNPJ ou CPF" in resposta.get_json()["resposta"]  # a conversation of its own, from scratch


def test_support_cannot_type_in_the_simulator(client, auth, telefone_de_duas_firmas):
    auth.login("suporte@op.com")
    assert simular(client, auth.csrf("/admin/simulador/"), "ajuda").status_code == 403


def test_whatsapp_still_offers_the_owner_every_empresa_of_the_phone(whatsapp):
    for sufixo in "AB":
        empresa = factories.empresa(
            db.session, factories.contabilidade(db.session), razao_social=f"Empresa {sufixo} Ltda"
        )
        factories.telefone(db.session, empresa, TELEFONE_COMUM)
    db.session.commit()
    pergunta = whatsapp.enviar("nota de 900 para 12.345.678/0001-95 consultoria", telefone=TELEFONE_COMUM)
    assert "mais de uma empresa" in pergunta and "Empresa A Ltda" in pergunta and "Empresa B Ltda" in pergunta


# --- 2. operators and support belong to no firm; firm admins never see them -------------------------------------
def test_firm_admins_never_see_or_edit_operators_and_support(client, auth, firmas):
    root = db.session.scalar(sa.select(User).where(User.email == "root@op.com"))
    suporte = db.session.scalar(sa.select(User).where(User.email == "suporte@op.com"))
    assert root.contabilidade_id is None and suporte.contabilidade_id is None
    auth.login("admin@a.com")
    lista = client.get("/admin/usuarios/").get_data(as_text=True)
    assert "root@op.com" not in lista and "suporte@op.com" not in lista
    for usuario in (root, suporte):
        assert client.get(f"/admin/usuarios/edit/?id={usuario.id}").status_code == 404
        assert client.get(f"/admin/usuarios/details/?id={usuario.id}").status_code == 404
        token = auth.csrf("/admin/usuarios/")
        client.post(
            f"/admin/usuarios/edit/?id={usuario.id}",
            data={"csrf_token": token, "email": usuario.email, "role": "admin", "nova_senha": "tomada-de-conta"},
        )
    db.session.expire_all()
    assert not db.session.get(User, root.id).check_password("tomada-de-conta")


def test_an_operator_cannot_be_attached_to_a_firm(runner, firmas):
    resultado = runner.invoke(
        args=[
            "create-user",
            "op2@op.com",
            "--role",
            "admin",
            "--superuser",
            "--contabilidade",
            "Firma A",
            "--password-stdin",
        ],
        input="senha-forte-123\n",
    )
    assert resultado.exit_code == 1 and "não pertencem a uma contabilidade" in resultado.output
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(User).where(User.email == "root@op.com").values(contabilidade_id=firmas["a"]["firma"].id)
        )
        db.session.commit()
    db.session.rollback()


def test_the_operator_creates_users_in_the_firm_chosen(client, auth, firmas):
    auth.login("root@op.com")
    token = auth.csrf("/admin/usuarios/new/")
    dados = {
        "csrf_token": token,
        "email": "novo@b.com",
        "role": "contador",
        "ativo": "y",
        "nova_senha": "senha-nova-123",
    }
    sem_firma = client.post("/admin/usuarios/new/", data={**dados, "firma": "0"})
    assert "Escolha a contabilidade deste usuário." in sem_firma.get_data(as_text=True)
    ok = client.post("/admin/usuarios/new/", data={**dados, "firma": str(firmas["b"]["firma"].id)})
    assert ok.status_code == 302
    assert (
        db.session.scalar(sa.select(User.contabilidade_id).where(User.email == "novo@b.com")) == firmas["b"]["firma"].id
    )


# --- 3. tomadores: each firm edits its own link; the registry is shared and read-only ----------------------------
def test_one_firm_editing_its_tomador_changes_nothing_of_another_firm(client, auth, firmas):
    registro = ClienteTomador(
        documento="12345678000195",
        tipo_documento=TipoDocumento.CNPJ,
        razao_social="EXEMPLO LTDA",
        fonte=FonteTomador.BRASILAPI,
    )
    link_a = EmpresaClienteTomador(
        empresa=firmas["a"]["empresa"], tomador=registro, nome="Cliente do A", email="a@x.com"
    )
    link_b = EmpresaClienteTomador(
        empresa=firmas["b"]["empresa"], tomador=registro, nome="Cliente do B", email="b@x.com"
    )
    db.session.add_all([link_a, link_b])
    db.session.commit()
    auth.login("admin@a.com")
    url = f"/admin/tomadores_empresa/edit/?id={link_a.id}"
    client.post(url, data={"csrf_token": auth.csrf(url), "nome": "Nome secreto do A", "email": "segredo@a.com"})
    assert client.get(f"/admin/tomadores_empresa/edit/?id={link_b.id}").status_code == 404
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("admin@b.com")
    for pagina in ("/admin/tomadores/", "/admin/tomadores/export/csv/", "/admin/tomadores_empresa/"):
        html = client.get(pagina).get_data(as_text=True)
        assert "Nome secreto do A" not in html and "segredo@a.com" not in html
    db.session.expire_all()
    assert (db.session.get(EmpresaClienteTomador, link_b.id).nome, registro.razao_social) == (
        "Cliente do B",
        "EXEMPLO LTDA",
    )


# --- 4. details views list their columns, secrets never among them ----------------------------------------------
def test_every_details_view_lists_its_columns_and_no_secret(app):
    from flask_admin.contrib.sqla import ModelView

    segredos = {"password_hash", "senha", "arquivo", "versao_do_login", "payload", "resposta"}
    admin = app.extensions["admin"][0]
    vistas = [v for v in admin._views if isinstance(v, ModelView)]
    assert len(vistas) >= 9
    for vista in vistas:
        assert vista.column_details_list, f"{vista.endpoint} shows every column in its details"
        assert not segredos & {str(c) for c in vista.column_details_list}, vista.endpoint


@pytest.mark.parametrize("email", ["admin@a.com", "root@op.com"])
def test_the_users_details_page_shows_no_password_hash(client, auth, firmas, email):
    auth.login(email)
    alvo = db.session.scalar(sa.select(User).where(User.email == "contador@a.com"))
    pagina = client.get(f"/admin/usuarios/details/?id={alvo.id}").get_data(as_text=True)
    assert "contador@a.com" in pagina and alvo.password_hash not in pagina
    assert alvo.password_hash.split("$")[0] not in pagina  # not even the method and its parameters


# --- 8. messages never name another firm --------------------------------------------------------------------------
def test_taken_cnpjs_and_emails_are_unavailable_without_naming_the_firm(client, auth, firmas, runner, tmp_path):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/usuarios/new/")
    resposta = client.post(
        "/admin/usuarios/new/",
        data={"csrf_token": token, "email": "admin@b.com", "role": "contador", "nova_senha": SENHA},
    )
    html = resposta.get_data(as_text=True)
    assert "Este e-mail não está disponível." in html and "Firma B" not in html
    cnpj_b = firmas["b"]["empresa"].cnpj
    pagina = client.post("/admin/empresas/new/", data={"csrf_token": auth.csrf("/admin/empresas/new/"), "cnpj": cnpj_b})
    assert "não está disponível" in pagina.get_data(as_text=True) and "Firma B" not in pagina.get_data(as_text=True)
    arquivo = tmp_path / "e.csv"
    arquivo.write_text(
        "contabilidade,cnpj,razao_social,inscricao_municipal,codigo_municipio,uf,regime,codigo_servico,aliquota_iss,telefones\n"
        f"Firma A,{cnpj_b},Tomada Ltda,1,3550308,SP,mei,01.07,0,\n",
        encoding="utf-8",
    )
    resultado = runner.invoke(args=["import-empresas", str(arquivo)])
    assert "não está disponível" in resultado.stderr and "Firma B" not in resultado.stderr


def test_a_firms_transcript_never_names_another_firms_empresa(client, auth, telefone_de_duas_firmas):
    firmas = telefone_de_duas_firmas
    sessao = factories.sessao(db.session, TELEFONE_COMUM, estado=Estado.CONCLUIDA, empresa_id=firmas["a"]["empresa"].id)
    lista = "Seu telefone atende mais de uma empresa.\n1) Empresa A Ltda\n2) Empresa B Ltda ({})".format(
        formatar_documento(firmas["b"]["empresa"].cnpj)
    )
    db.session.add(Mensagem(sessao=sessao, direcao="out", texto=lista, provider=Provider.EVOLUTION, envio="enviada"))
    db.session.commit()
    auth.login("contador@a.com")
    pagina = client.get(f"/admin/sessoes/details/?id={sessao.id}").get_data(as_text=True)
    assert "Empresa A Ltda" in pagina and "Empresa B Ltda" not in pagina
    assert formatar_documento(firmas["b"]["empresa"].cnpj) not in pagina
    assert "segredo da firma B" not in client.get("/admin/sessoes/").get_data(as_text=True)
