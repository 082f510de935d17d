"""The back-office speaks as a Brazilian accountant reads: Portuguese names for every status, regime and channel,
dates and times in AGENTNFE_TIMEZONE as dd/mm/aaaa hh:mm, money as R$ 1.234,56, rates as 2,5 %, phones as
+55 (11) 98765-4321 and cities by name beside their IBGE code — on every list and detail page."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Empresa, Mensagem, NFSe, Sessao, StatusNFSe, User
from agentnfe.seed import seed_demo

SENHA_DEMO = "senha-demo-123"
LISTAS = ("empresas", "telefones", "certificados", "tomadores_empresa", "tomadores", "notas", "notas_paradas",
          "sessoes", "nao_entregues", "usuarios")  # fmt: skip
CRUS = re.compile(
    r"\b(SIMPLES_NACIONAL|LUCRO_PRESUMIDO|LUCRO_REAL|simples_nacional|lucro_presumido|lucro_real|COLETA|"
    r"DADOS_INCOMPLETOS|ESCOLHA_EMPRESA|CONFIRMACAO|EMITINDO|CONCLUIDA|EXPIRADA|EVOLUTION|SIMULADOR|"
    r"concluida|processando|atencao|rejeitada|homologacao|producao|brasilapi|ADMIN|CONTADOR|SUPORTE|"
    r"True|False|None)\b"
)


def texto_visivel(html: str) -> str:
    """What a person reads on the page: no scripts, styles, tags or attributes; of the list filters' data
    (a hidden JSON the page turns into menus), the names the menus show."""
    filtros = re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', html, flags=re.S)
    if filtros:
        grupos = json.loads(unescape(filtros.group(1)))
        nomes = [nome for opcoes in grupos.values() for f in opcoes for _, nome in f.get("options") or []]
        html = html.replace(filtros.group(0), " ".join(nomes))
    html = re.sub(
        r'<div id="(actions-confirmation-data|message-data|active-filters-data)"[^>]*>.*?</div>', " ", html, flags=re.S
    )
    html = re.sub(r'<div class="inline-field-template[^"]*">.*?</div>', " ", html, flags=re.S)  # the "add" template
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html.replace("&nbsp;", " "))


@pytest.fixture
def demo(app, client):
    seed_demo(db.session, 1, SENHA_DEMO)
    resposta = client.post(
        "/login", data={"email": "admin@firma1.demo", "password": SENHA_DEMO, "csrf_token": _csrf(client)}
    )
    assert resposta.status_code == 302
    return client


def _csrf(client) -> str:
    from .conftest import csrf_de

    return csrf_de(client.get("/login").get_data(as_text=True))


@pytest.mark.parametrize("lista", LISTAS)
def test_lists_and_details_show_no_raw_value(demo, lista):
    pagina = demo.get(f"/admin/{lista}/")
    assert pagina.status_code == 200
    texto = texto_visivel(pagina.get_data(as_text=True))
    assert CRUS.findall(texto) == []
    assert "+00:00" not in texto and not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", texto)
    ids = re.findall(rf"/admin/{lista}/details/\?id=(\d+)", pagina.get_data(as_text=True))
    for registro in ids[:3]:
        detalhe = texto_visivel(demo.get(f"/admin/{lista}/details/?id={registro}").get_data(as_text=True))
        assert CRUS.findall(detalhe) == [], registro
        assert "+00:00" not in detalhe


def test_a_note_reads_in_the_firms_time_zone_and_formats(demo):
    nota = db.session.scalars(sa.select(NFSe).where(NFSe.status == StatusNFSe.CONCLUIDA).limit(1)).one()
    # Tomorrow at 18:52 UTC (15:52 in Brasília): newer than every demo note, whatever day the suite runs on, so
    # the list (newest first) shows it on its first page.
    amanha = datetime.now(UTC) + timedelta(days=1)
    nota.criado_em = amanha.replace(hour=18, minute=52, second=10, microsecond=0)
    nota.valor, nota.aliquota_iss, nota.competencia = Decimal("1234.56"), Decimal("2.5000"), date(2026, 10, 1)
    db.session.commit()
    quando = f"{nota.criado_em.astimezone(ZoneInfo('America/Sao_Paulo')):%d/%m/%Y} 15:52"
    detalhe = texto_visivel(demo.get(f"/admin/notas/details/?id={nota.id}").get_data(as_text=True))
    assert quando in detalhe and "18:52" not in detalhe
    assert "R$ 1.234,56" in detalhe and "2,5 %" in detalhe and "10/2026" in detalhe and "Autorizada" in detalhe
    lista = texto_visivel(demo.get("/admin/notas/").get_data(as_text=True))
    assert quando in lista


def test_phones_and_cities_read_as_people_write_them(demo):
    empresa = db.session.scalars(sa.select(Empresa).where(Empresa.codigo_municipio == "3550308").limit(1)).one()
    detalhe = texto_visivel(demo.get(f"/admin/empresas/details/?id={empresa.id}").get_data(as_text=True))
    assert "3550308 · São Paulo/SP" in detalhe and "Simples Nacional" in detalhe or "Lucro" in detalhe
    sessao = db.session.scalars(sa.select(Sessao).order_by(Sessao.atualizado_em.desc()).limit(1)).one()
    conversas = texto_visivel(demo.get("/admin/sessoes/").get_data(as_text=True))
    numero = sessao.telefone
    assert f"+55 ({numero[2:4]}) {numero[4:-4]}-{numero[-4:]}" in conversas


def test_the_dashboard_reads_in_portuguese(demo):
    texto = texto_visivel(demo.get("/admin/").get_data(as_text=True))
    assert CRUS.findall(texto) == []
    assert "UTC" not in texto and "Autorizada" in texto and "Em processamento" in texto


def test_transcripts_and_users_read_in_portuguese(demo):
    sessao = db.session.scalar(sa.select(Mensagem.sessao_id).limit(1))
    texto = texto_visivel(demo.get(f"/admin/sessoes/details/?id={sessao}").get_data(as_text=True))
    assert CRUS.findall(texto) == [] and "+00:00" not in texto
    usuarios = texto_visivel(demo.get("/admin/usuarios/").get_data(as_text=True))
    assert "Administrador" in usuarios
    assert db.session.scalar(sa.select(sa.func.count(User.id))) >= 1


def test_vocabulary_filters_offer_portuguese_names_and_filter(demo):
    html = demo.get("/admin/empresas/").get_data(as_text=True)
    grupos = json.loads(unescape(re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)))
    igual = next(f for f in grupos["Regime"] if f["operation"] == "igual")
    valor = next(v for v, nome in igual["options"] if nome == "Simples Nacional")
    filtrada = demo.get(f"/admin/empresas/?flt0_{igual['arg']}={valor}")
    assert filtrada.status_code == 200
    celulas = re.findall(r'<td class="col-regime">\s*(.*?)\s*</td>', filtrada.get_data(as_text=True), re.S)
    simples = db.session.scalar(sa.select(sa.func.count(Empresa.id)).where(Empresa.regime == "simples_nacional"))
    assert celulas == ["Simples Nacional"] * simples and simples > 0
