"""Pages stay light when a firm has thousands of empresas: the notes list filters by the empresa's name instead of
shipping every empresa as an option, and every form that picks an empresa (phone, certificate, tomador, Emitir
nota, Fechamento) looks it up as the user types, confined to the firm."""

import json
import re
from html import unescape

import sqlalchemy as sa

from agentnfe.fiscal.documents import completar_cnpj
from agentnfe.infra.extensions import db
from agentnfe.models import Empresa, Regime, UsuarioEmpresa

from . import factories

MUITAS = 3000
LIMITE_KB = 300


def _muitas_empresas(firma_id: int) -> None:
    db.session.execute(
        sa.insert(Empresa),
        [
            {"contabilidade_id": firma_id, "cnpj": completar_cnpj(f"{70000000 + i:08d}0001"), "uf": "SP",
             "razao_social": f"Empresa Numerosa {i:04d} Ltda", "codigo_municipio": "3550308",
             "regime": Regime.SIMPLES_NACIONAL}
            for i in range(MUITAS)
        ],
    )  # fmt: skip
    db.session.commit()


def test_pages_that_name_empresas_stay_under_300_kb_with_thousands_of_them(client, auth, firmas):
    _muitas_empresas(firmas["a"]["firma"].id)
    factories.nota(db.session, firmas["a"]["empresa"])
    db.session.commit()
    auth.login("contador@a.com")
    for url in ("/admin/", "/admin/notas/", "/admin/empresas/", "/admin/telefones/", "/admin/telefones/new/",
                "/admin/sessoes/", "/admin/auditoria/", "/admin/certificados/new/", "/admin/tomadores_empresa/new/",
                "/admin/emitir/", "/admin/fechamento/"):  # fmt: skip
        pagina = client.get(url)
        assert pagina.status_code == 200, url
        assert len(pagina.data) < LIMITE_KB * 1024, (url, len(pagina.data))
        print(f"\n{url}: {len(pagina.data) / 1024:.0f} KB with {MUITAS} empresas", end="")
    html = client.get("/admin/notas/").get_data(as_text=True)
    grupos = json.loads(unescape(re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)))
    contem = next(f for f in grupos["Empresa"] if f["operation"] == "contém")
    assert not contem.get("options")  # typed, not chosen among thousands
    filtrada = client.get(f"/admin/notas/?flt0_{contem['arg']}=presa A").get_data(as_text=True)
    assert "1 nota(s) neste filtro" in " ".join(re.sub(r"<[^>]+>", " ", filtrada).split())


def test_the_empresa_lookup_is_typed_searched_and_confined_to_the_firm(client, auth, firmas):
    _muitas_empresas(firmas["a"]["firma"].id)
    auth.login("contador@a.com")
    achadas = json.loads(client.get("/admin/telefones/ajax/lookup/?name=empresa&query=Numerosa 12").data)
    assert 0 < len(achadas) <= 20 and all("Numerosa 12" in nome for _, nome in achadas)
    cnpj = completar_cnpj("700001230001")
    pontuado = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
    assert [
        nome for _, nome in json.loads(client.get(f"/admin/telefones/ajax/lookup/?name=empresa&query={pontuado}").data)
    ] == [f"Empresa Numerosa 0123 Ltda ({pontuado})"]
    assert json.loads(client.get("/admin/telefones/ajax/lookup/?name=empresa&query=Empresa B").data) == []

    token = auth.csrf("/admin/telefones/new/")
    alheia = {"csrf_token": token, "empresa": firmas["b"]["empresa"].id, "telefone": "11 97777-1234", "ativo": "y"}
    assert client.post("/admin/telefones/new/", data=alheia).status_code == 200  # refused: not the firm's
    assert db.session.scalar(sa.select(UsuarioEmpresa.id).where(UsuarioEmpresa.telefone == "5511977771234")) is None
    propria = {**alheia, "empresa": firmas["a"]["empresa"].id}
    assert client.post("/admin/telefones/new/", data=propria).status_code == 302


def test_every_empresa_picker_is_confined_to_the_firm(client, auth, firmas):
    """Each form's lookup offers only the firm's empresas (Emitir nota and Fechamento: only active ones), and an id
    of another firm's empresa sent by a crafted form is refused."""
    from datetime import date

    from agentnfe.models import EmpresaClienteTomador

    propria, alheia = firmas["a"]["empresa"], firmas["b"]["empresa"]
    inativa = factories.empresa(db.session, firmas["a"]["firma"], razao_social="Empresa A Inativa Ltda", ativa=False)
    db.session.commit()
    auth.login("contador@a.com")

    def nomes(pagina: str, termo: str) -> list[str]:
        return [nome for _, nome in json.loads(client.get(f"{pagina}ajax/lookup/?name=empresa&query={termo}").data)]

    for pagina in ("/admin/certificados/", "/admin/tomadores_empresa/"):
        assert any(propria.razao_social in nome for nome in nomes(pagina, "Empresa A"))
        assert any("Inativa" in nome for nome in nomes(pagina, "Empresa A"))
        assert nomes(pagina, "Empresa B") == []
    for pagina in ("/admin/emitir/", "/admin/fechamento/"):
        assert [propria.razao_social in nome for nome in nomes(pagina, "Empresa A")] == [True]  # no inactive one
        assert nomes(pagina, "Empresa B") == []
        assert client.get(f"{pagina}ajax/lookup/?name=outra&query=x").status_code == 404

    token = auth.csrf("/admin/tomadores_empresa/new/")
    dados = {"csrf_token": token, "empresa_id": alheia.id, "documento": "529.982.247-25", "nome": "Maria Souza"}
    assert client.post("/admin/tomadores_empresa/new/", data=dados).status_code == 200  # refused, with the form
    assert db.session.scalar(sa.select(sa.func.count(EmpresaClienteTomador.id))) == 0
    token = auth.csrf("/admin/emitir/")
    pagina = client.get(f"/admin/emitir/?empresa={alheia.id}").get_data(as_text=True)
    assert alheia.razao_social not in pagina
    competencia = f"{date.today():%m/%Y}"
    token = auth.csrf("/admin/fechamento/")
    resposta = client.post(
        "/admin/fechamento/", data={"csrf_token": token, "empresa": alheia.id, "competencia": competencia}
    )
    assert resposta.status_code == 404
    resposta = client.post(
        "/admin/fechamento/", data={"csrf_token": token, "empresa": inativa.id, "competencia": competencia}
    )
    assert resposta.status_code == 404
