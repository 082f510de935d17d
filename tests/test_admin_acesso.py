"""Back-office login, roles and tenant isolation."""

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import (
    Certificado,
    ClienteTomador,
    EmpresaClienteTomador,
    FonteTomador,
    NFSe,
    Sessao,
    TipoDocumento,
    User,
    UsuarioEmpresa,
)

from . import factories
from .conftest import SENHA, csrf_de


def test_every_admin_page_needs_a_login(client, firmas):
    for url in (
        "/admin/",
        "/admin/empresas/",
        "/admin/notas/",
        "/admin/sessoes/",
        "/admin/simulador/",
        "/admin/usuarios/",
    ):
        resposta = client.get(url)
        assert resposta.status_code == 302 and "/login" in resposta.headers["Location"], url


def test_login_logout_and_wrong_password(client, auth, firmas):
    errada = auth.login("admin@a.com", "errada-123")
    assert errada.status_code == 401 and "E-mail ou senha incorretos." in errada.get_data(as_text=True)
    certa = auth.login("ADMIN@a.com")
    assert certa.status_code == 302 and certa.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    assert db.session.scalar(sa.select(User.ultimo_login_em).where(User.email == "admin@a.com")) is not None
    token = auth.csrf()
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_forms_without_csrf_are_refused(client, firmas):
    resposta = client.post("/login", data={"email": "admin@a.com", "password": SENHA})
    assert resposta.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_login_redirect_stays_on_this_site(client, auth, firmas):
    pagina = client.get("/login?next=https://evil.example.com/")
    resposta = client.post(
        "/login?next=https://evil.example.com/",
        data={"email": "admin@a.com", "password": SENHA, "csrf_token": csrf_de(pagina.get_data(as_text=True))},
    )
    assert resposta.headers["Location"].endswith("/admin/")


def test_login_is_rate_limited(client, firmas):
    pagina = client.get("/login")
    token = csrf_de(pagina.get_data(as_text=True))
    codigos = [
        client.post("/login", data={"email": "admin@a.com", "password": f"x{i}", "csrf_token": token}).status_code
        for i in range(7)
    ]
    assert codigos[:4] == [401] * 4 and codigos[4:] == [429] * 3  # 3 free tries, then a growing wait


def test_password_change(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/conta/senha")
    ruim = client.post(
        "/conta/senha",
        data={"atual": "errada", "nova": "nova-senha-123", "confirmacao": "nova-senha-123", "csrf_token": token},
    )
    assert "A senha atual não confere." in ruim.get_data(as_text=True)
    curta = client.post(
        "/conta/senha", data={"atual": SENHA, "nova": "curta", "confirmacao": "curta", "csrf_token": token}
    )
    assert "Use pelo menos 8 caracteres." in curta.get_data(as_text=True)
    ok = client.post(
        "/conta/senha",
        data={"atual": SENHA, "nova": "nova-senha-123", "confirmacao": "nova-senha-123", "csrf_token": token},
    )
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "contador@a.com")).check_password("nova-senha-123")


def test_contador_cannot_manage_users_and_support_cannot_write(client, auth, firmas):
    auth.login("contador@a.com")
    assert client.get("/admin/usuarios/").status_code == 403
    assert client.get("/admin/empresas/new/").status_code == 200
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("suporte@op.com")
    assert client.get("/admin/empresas/").status_code == 200
    assert "Empresa A Ltda" in client.get("/admin/empresas/").get_data(as_text=True)
    assert "Empresa B Ltda" in client.get("/admin/empresas/").get_data(as_text=True)
    assert client.get("/admin/empresas/new/").status_code == 302  # no create for support
    assert client.get("/admin/usuarios/").status_code == 403


def objetos_da_firma_b(firmas):
    """Every kind of record firm B owns, as (endpoint, id)."""
    empresa = firmas["b"]["empresa"]
    from datetime import date

    nota = factories.nota(db.session, empresa)
    tomador = ClienteTomador(
        documento="12345678000195",
        tipo_documento=TipoDocumento.CNPJ,
        razao_social="Tomador de B",
        fonte=FonteTomador.MANUAL,
    )
    vinculo = EmpresaClienteTomador(empresa=empresa, tomador=tomador)
    certificado = Certificado(
        empresa=empresa,
        arquivo=b"x",
        senha="y",
        titular="B",
        cnpj=empresa.cnpj,
        valido_de=date(2026, 1, 1),
        valido_ate=date(2027, 1, 1),
    )
    db.session.add_all([tomador, vinculo, certificado])
    sessao = factories.sessao(db.session, "5511900000098", empresa_id=empresa.id)
    db.session.commit()
    telefone = db.session.scalar(sa.select(UsuarioEmpresa.id).where(UsuarioEmpresa.empresa_id == empresa.id))
    usuario = db.session.scalar(sa.select(User.id).where(User.email == "contador@b.com"))
    return [
        ("empresas", empresa.id), ("notas", nota.id), ("notas_paradas", nota.id), ("tomadores", tomador.id),
        ("tomadores_empresa", vinculo.id), ("certificados", certificado.id), ("sessoes", sessao.id), ("telefones", telefone),
        ("usuarios", usuario),
    ]  # fmt: skip


@pytest.mark.parametrize("email", ["admin@a.com", "contador@a.com"])
def test_firm_a_cannot_reach_any_record_of_firm_b(client, auth, firmas, email):
    alvos = objetos_da_firma_b(firmas)
    auth.login(email)
    token = auth.csrf()
    for endpoint, ident in alvos:
        base = f"/admin/{endpoint}"
        assert client.get(f"{base}/details/?id={ident}").status_code in (403, 404), endpoint
        for resposta in (
            client.get(f"{base}/edit/?id={ident}"),
            client.post(f"{base}/edit/?id={ident}", data={"csrf_token": token}),
        ):
            # 404 (403 where the role has no access), or a redirect to the list where the view cannot edit
            assert resposta.status_code in (403, 404) or (
                resposta.status_code == 302 and f"id={ident}" not in resposta.headers["Location"]
            ), endpoint
        assert client.post(f"{base}/delete/", data={"id": ident, "csrf_token": token}).status_code in (302, 403, 404), (
            endpoint
        )
        lista = client.get(f"{base}/").get_data(as_text=True)
        assert f"id={ident}&" not in lista and f'id={ident}"' not in lista, endpoint
        exportado = client.get(f"{base}/export/csv/")
        assert exportado.status_code in (200, 302, 403, 404)
        if exportado.status_code == 200:
            assert "Tomador de B" not in exportado.get_data(as_text=True) and "Empresa B" not in exportado.get_data(
                as_text=True
            )
    for acao in ("reemitir", "cancelar"):
        client.post("/admin/notas/action/", data={"action": acao, "rowid": [str(alvos[1][1])], "csrf_token": token})
    client.post(
        "/admin/tomadores/action/", data={"action": "brasilapi", "rowid": [str(alvos[3][1])], "csrf_token": token}
    )
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 1
    assert db.session.get(NFSe, alvos[1][1]).tentativas == []  # no replay reached B's note
    assert db.session.scalar(sa.select(sa.func.count(Sessao.id))) == 1
    assert db.session.get(factories.Empresa, alvos[0][1]) is not None  # delete of B's empresa did not happen
    assert db.session.scalar(sa.select(sa.func.count(Certificado.id))) == 1
    simulador = client.post(
        "/admin/simulador/enviar",
        json={"telefone": "5511900000098", "mensagem": "ajuda"},
        headers={"X-CSRFToken": token},
    )
    assert simulador.status_code == 403


def test_support_reads_every_firm_and_changes_nothing(client, auth, firmas):
    alvos = objetos_da_firma_b(firmas)
    auth.login("suporte@op.com")
    token = auth.csrf()
    for endpoint, ident in alvos:
        base = f"/admin/{endpoint}"
        esperado = {"usuarios": 403, "notas_paradas": 404}.get(endpoint, 200)  # the note is not stuck
        assert client.get(f"{base}/details/?id={ident}").status_code == esperado, endpoint
        client.post(
            f"{base}/edit/?id={ident}", data={"csrf_token": token, "razao_social": "Trocada", "nome": "Trocado"}
        )
        client.post(f"{base}/delete/", data={"id": ident, "csrf_token": token})
    client.post("/admin/notas/action/", data={"action": "cancelar", "rowid": [str(alvos[1][1])], "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(factories.Empresa, alvos[0][1]).razao_social == "Empresa B Ltda"
    assert db.session.get(EmpresaClienteTomador, alvos[4][1]).nome is None
    assert db.session.scalar(sa.select(sa.func.count(Certificado.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Sessao.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 6


def test_lists_show_only_the_users_firm(client, auth, firmas):
    auth.login("contador@a.com")
    pagina = client.get("/admin/empresas/").get_data(as_text=True)
    assert "Empresa A Ltda" in pagina and "Empresa B Ltda" not in pagina


def test_firm_admin_creates_users_of_the_firm_only(client, auth, firmas):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/usuarios/new/")
    pagina = client.get("/admin/usuarios/new/").get_data(as_text=True)
    assert 'value="suporte"' not in pagina  # a firm admin cannot create support staff
    resposta = client.post(
        "/admin/usuarios/new/",
        data={
            "csrf_token": token,
            "email": "Novo@A.com",
            "role": "contador",
            "ativo": "y",
            "nova_senha": "senha-nova-123",
        },
    )
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[:500]
    novo = db.session.scalar(sa.select(User).where(User.email == "novo@a.com"))
    assert novo.contabilidade_id == firmas["a"]["firma"].id and novo.check_password("senha-nova-123")
    curta = client.post(
        "/admin/usuarios/new/",
        data={"csrf_token": token, "email": "x@a.com", "role": "contador", "nova_senha": "curta"},
    )
    assert "pelo menos 8 caracteres" in curta.get_data(as_text=True)
    lista = client.get("/admin/usuarios/").get_data(as_text=True)
    assert "contador@a.com" in lista and "contador@b.com" not in lista and "suporte@op.com" not in lista
