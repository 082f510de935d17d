"""The back-office carries the fiscal profile with the CSV import's rules, and cancels with a code and a reason."""

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from agentnfe.cadastros import convenios
from agentnfe.infra.extensions import db
from agentnfe.models import (
    Ambiente,
    Certificado,
    ClienteTomador,
    Empresa,
    EmpresaClienteTomador,
    FonteTomador,
    NFSe,
    NomeGateway,
    Notificacao,
    Regime,
    RegimeEspecial,
    StatusNFSe,
    TipoDocumento,
)

from . import factories
from .certs import gerar_pfx
from .conftest import SENHA, Auth, bot_settings

NOVA = {
    "cnpj": "11.444.777/0001-61", "razao_social": "Nova Empresa Ltda", "inscricao_municipal": "123",
    "codigo_municipio": "3550308", "uf": "SP", "logradouro": "Rua Augusta", "numero": "500", "bairro": "Consolação",
    "cep": "01305-000", "telefone": "(11) 3333-4444", "regime": "simples_nacional", "regime_especial": "me_epp_simples",
    "aliquota_simples_iss": "2,79", "ambiente": "producao", "serie_rps": "A", "numero_rps": "120", "ativa": "y",
    "servicos-0-codigo_servico": "1.07", "servicos-0-aliquota_iss": "2", "servicos-0-codigo_tributacao_nacional": "01.07.01",
    "servicos-0-nbs": "1.0101.10.00", "servicos-0-cst_ibscbs": "000", "servicos-0-cclass_trib": "000001",
    "servicos-0-padrao": "y",
}  # fmt: skip


def postar_empresa(client, auth, **mudancas):
    token = auth.csrf("/admin/empresas/new/")
    return client.post("/admin/empresas/new/", data={"csrf_token": token, **NOVA, **mudancas})


def test_the_empresa_form_stores_the_fiscal_profile_clean(client, auth, firmas):
    auth.login("contador@a.com")
    resposta = postar_empresa(client, auth)
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-3000:]
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert (empresa.logradouro, empresa.numero, empresa.bairro, empresa.cep) == (
        "Rua Augusta",
        "500",
        "Consolação",
        "01305000",
    )
    assert empresa.telefone == "1133334444" and empresa.ambiente is Ambiente.PRODUCAO
    assert empresa.regime_especial is RegimeEspecial.ME_EPP_SIMPLES and empresa.aliquota_simples_iss == Decimal("2.79")
    assert (empresa.serie_rps, empresa.numero_rps) == ("A", 120)
    [servico] = empresa.servicos
    assert (servico.codigo_servico, servico.codigo_tributacao_nacional, servico.nbs) == ("01.07", "010701", "101011000")
    assert (servico.cst_ibscbs, servico.cclass_trib) == ("000", "000001")


@pytest.mark.parametrize(
    "campo, valor, mensagem",
    [
        ("servicos-0-aliquota_iss", "1,5", "abaixo do mínimo de 2%"),
        ("servicos-0-aliquota_iss", "0", "alíquota de ISS 0 só vale para MEI"),
        ("servicos-0-codigo_tributacao_nacional", "170101", "não corresponde ao item 01.07"),
        ("servicos-0-nbs", "12345678", "código NBS"),
        ("servicos-0-cclass_trib", "01", "cClassTrib"),
        ("codigo_municipio", "3304557", "não pertence a SP"),
        ("cep", "0130", "deve ter 8 dígitos"),
        ("aliquota_simples_iss", "7", "fora do intervalo de 0 a 5%"),
        ("regime_especial", "mei", "regime especial mei só para empresas do regime mei"),
        ("regime_especial", "sociedade_profissionais", "regra E0175 do emissor nacional"),
        ("aliquota_simples_total", "0", "alíquota total efetiva do Simples deve ser maior que 0"),
        ("apuracao_simples", "4", "apuração do Simples"),
        ("percentual_tributos_federais", "11,33", "só se aplicam a empresas do lucro presumido ou real"),
        ("serie_dps", "50000", "regra E0010"),
    ],
)
def test_invalid_fiscal_values_are_refused_in_portuguese_beside_the_field(client, auth, firmas, campo, valor, mensagem):
    auth.login("contador@a.com")
    resposta = postar_empresa(client, auth, **{campo: valor})
    html = resposta.get_data(as_text=True)
    assert resposta.status_code == 200 and mensagem in html
    assert "SQL" not in html and "constraint" not in html.lower()
    assert db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161")) is None


def test_the_national_fields_of_each_regime_are_stored_and_a_special_regime_is_checked_against_the_rules(
    client, auth, firmas
):
    auth.login("contador@a.com")
    simples = postar_empresa(client, auth, aliquota_simples_total="15,5", apuracao_simples="2",
                             regime_especial="sociedade_profissionais")  # fmt: skip
    assert simples.status_code == 302, simples.get_data(as_text=True)[-2000:]
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert (empresa.aliquota_simples_total, empresa.apuracao_simples) == (Decimal("15.5"), 2)
    assert empresa.regime_especial is RegimeEspecial.SOCIEDADE_PROFISSIONAIS  # allowed over the sublimit (E0175)
    mei = postar_empresa(client, auth, cnpj="06.990.590/0001-23", regime="mei", regime_especial="autonomo",
                         aliquota_simples_iss="", **{"servicos-0-aliquota_iss": "0"})  # fmt: skip
    assert "regra E0174 do emissor nacional" in mei.get_data(as_text=True)
    lucro = postar_empresa(client, auth, cnpj="06.990.590/0001-23", regime="lucro_real", aliquota_simples_iss="",
                           regime_especial="notario_registrador", percentual_tributos_federais="13,45",
                           percentual_tributos_municipais="5")  # fmt: skip
    assert lucro.status_code == 302, lucro.get_data(as_text=True)[-2000:]
    notario = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "06990590000123"))
    assert notario.regime_especial is RegimeEspecial.NOTARIO_REGISTRADOR
    assert (notario.percentual_tributos_federais, notario.percentual_tributos_estaduais) == (Decimal("13.45"), None)


def test_below_two_percent_is_accepted_only_where_the_law_allows(client, auth, firmas):
    auth.login("contador@a.com")
    resposta = postar_empresa(
        client, auth, **{"servicos-0-codigo_servico": "07.02", "servicos-0-aliquota_iss": "1,5",
                         "servicos-0-codigo_tributacao_nacional": "070201"}
    )  # fmt: skip
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-2000:]
    simples_em_lucro = postar_empresa(
        client, auth, cnpj="06.990.590/0001-23", regime="lucro_presumido", regime_especial="nenhum"
    )
    assert "só se aplica a empresas do Simples Nacional" in simples_em_lucro.get_data(as_text=True)


def test_an_empresa_without_address_is_marked_incomplete(client, auth, firmas):
    incompleta = factories.empresa(db.session, firmas["a"]["firma"], razao_social="Sem Endereço Ltda", logradouro=None)
    db.session.commit()
    auth.login("contador@a.com")
    lista = client.get("/admin/empresas/").get_data(as_text=True)
    assert 'title="falta logradouro">incompleto</span>' in lista
    assert incompleta.endereco_faltando == ["logradouro"]


def test_tomadores_of_an_empresa_need_a_name_when_the_registry_has_none(client, auth, firmas):
    cpf = ClienteTomador(documento="12345678909", tipo_documento=TipoDocumento.CPF, fonte=FonteTomador.WHATSAPP)
    vinculo = EmpresaClienteTomador(empresa=firmas["a"]["empresa"], tomador=cpf)
    db.session.add(vinculo)
    db.session.commit()
    auth.login("contador@a.com")
    url = f"/admin/tomadores_empresa/edit/?id={vinculo.id}"
    token = auth.csrf(url)
    sem_nome = client.post(url, data={"csrf_token": token, "nome": "", "email": "x@exemplo.com.br"})
    assert "informe o nome do tomador" in sem_nome.get_data(as_text=True)
    email_ruim = client.post(url, data={"csrf_token": token, "nome": "Maria", "email": "maria@"})
    assert "e-mail inválido" in email_ruim.get_data(as_text=True)
    ok = client.post(
        url, data={"csrf_token": token, "nome": "Maria Souza", "email": "Maria@Exemplo.com.br", "cep": "01310-100"}
    )
    assert ok.status_code == 302
    db.session.expire_all()
    vinculo = db.session.get(EmpresaClienteTomador, vinculo.id)
    assert (vinculo.nome, vinculo.email, vinculo.cep) == ("Maria Souza", "maria@exemplo.com.br", "01310100")
    assert db.session.get(ClienteTomador, cpf.id).razao_social is None  # the registry is never edited by a firm


def test_the_registry_of_tomadores_is_read_only(client, auth, firmas):
    registro = ClienteTomador(
        documento="12345678000195",
        tipo_documento=TipoDocumento.CNPJ,
        razao_social="EXEMPLO",
        fonte=FonteTomador.BRASILAPI,
    )
    db.session.add(EmpresaClienteTomador(empresa=firmas["a"]["empresa"], tomador=registro))
    db.session.commit()
    auth.login("admin@a.com")
    token = auth.csrf("/admin/tomadores/")
    client.post(f"/admin/tomadores/edit/?id={registro.id}", data={"csrf_token": token, "razao_social": "OUTRO"})
    db.session.expire_all()
    assert db.session.get(ClienteTomador, registro.id).razao_social == "EXEMPLO"


def test_note_corrections_recompute_the_iss_and_refuse_a_future_competencia(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    nota = factories.nota(db.session, empresa, status=StatusNFSe.REJEITADA)
    nota.servico = empresa.servicos[0]
    db.session.commit()
    auth.login("contador@a.com")
    url = f"/admin/notas/edit/?id={nota.id}"
    token = auth.csrf(url)
    dados = {"csrf_token": token, "descricao": "Consultoria", "valor": "1000.00", "competencia": "2026-03-01"}
    futura = client.post(url, data={**dados, "competencia": f"{date.today().year + 1}-01-01"})
    assert "A competência não pode ser depois do mês atual." in futura.get_data(as_text=True)
    local = client.post(url, data={**dados, "codigo_municipio_prestacao": "33045"})
    assert "7 dígitos" in local.get_data(as_text=True)
    ok = client.post(url, data={**dados, "iss_retido": "y", "codigo_municipio_prestacao": "3304557"})
    assert ok.status_code == 302, ok.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    nota = db.session.get(NFSe, nota.id)
    assert nota.codigo_municipio_prestacao == "3304557"
    assert nota.iss_retido is True and nota.aliquota_iss == Decimal("2.0100")  # Simples, withheld: the Simples rate


def test_cancelling_from_the_admin_asks_for_a_code_and_a_reason(client, auth, firmas):
    nota = factories.nota(
        db.session, firmas["a"]["empresa"], status=StatusNFSe.CONCLUIDA, numero="77", gateway_id="mock-x"
    )
    outra = factories.nota(db.session, firmas["b"]["empresa"], status=StatusNFSe.CONCLUIDA, numero="78")
    db.session.commit()
    auth.login("admin@a.com")
    token = auth.csrf("/admin/notas/")
    resposta = client.post(
        "/admin/notas/action/", data={"action": "cancelar", "rowid": [str(nota.id), str(outra.id)], "csrf_token": token}
    )
    assert resposta.status_code == 302 and f"/admin/notas/cancelamento/?ids={nota.id}" in resposta.headers["Location"]
    pagina = client.get(f"/admin/notas/cancelamento/?ids={nota.id},{outra.id}").get_data(as_text=True)
    assert ">77<" in pagina and ">78<" not in pagina and "2 — serviço não prestado" in pagina
    curto = client.post(
        "/admin/notas/cancelamento/", data={"csrf_token": token, "ids": str(nota.id), "codigo": "1", "motivo": "erro"}
    )
    assert "de 15 a 255 caracteres" in curto.get_data(as_text=True)
    ok = client.post(
        "/admin/notas/cancelamento/",
        data={"csrf_token": token, "ids": str(nota.id), "codigo": "2", "motivo": "Serviço não foi prestado ao cliente"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    [tentativa] = db.session.get(NFSe, nota.id).tentativas
    assert tentativa.origem == "admin" and tentativa.usuario.email == "admin@a.com"  # sent with the user's reason
    assert db.session.get(NFSe, nota.id).cancelamento_codigo == 2
    assert client.get(f"/admin/notas/cancelamento/?ids={outra.id}").status_code == 404


# --- certificates uploaded in the admin reach PlugNotas -------------------------------------------------------------
@pytest.fixture
def admin_plugnotas(make_app, evolution, plugnotas):
    from agentnfe.contas import criar_usuario
    from agentnfe.models import Papel

    from .fakes import FakePlugNotas

    app = make_app(
        **bot_settings(
            evolution, NFSE_GATEWAY="plugnotas", PLUGNOTAS_URL=plugnotas.url, PLUGNOTAS_API_KEY=FakePlugNotas.API_KEY
        )
    )
    with app.app_context():
        firma = factories.contabilidade(db.session, "Firma P")
        empresa = factories.empresa(db.session, firma)
        criar_usuario(db.session, "admin@p.com", Papel.ADMIN, SENHA, "Firma P")
        db.session.commit()
        client = app.test_client()
        auth = Auth(client)
        auth.login("admin@p.com")
        yield client, auth, empresa


def _enviar_certificado(client, auth, empresa, dias=365):
    token = auth.csrf("/admin/certificados/new/")
    dados = {
        "csrf_token": token, "empresa_id": str(empresa.id), "senha": "senha-do-cert",
        "arquivo": (io.BytesIO(gerar_pfx(empresa.cnpj, dias=dias)), "a1.pfx"),
    }  # fmt: skip
    return client.post(
        "/admin/certificados/new/", data=dados, content_type="multipart/form-data", follow_redirects=True
    )


def test_a_certificate_uploaded_in_the_admin_registers_the_empresa_then_updates_it(admin_plugnotas, plugnotas):
    client, auth, empresa = admin_plugnotas
    pagina = _enviar_certificado(client, auth, empresa).get_data(as_text=True)
    assert "guardado" in pagina and "a caminho do gateway" in pagina
    assert [(r["method"], r["path"]) for r in plugnotas.requests] == [("POST", "/certificado"), ("POST", "/empresa")]
    registro = db.session.scalar(sa.select(Certificado))
    assert registro.enviado_gateway_em is not None and registro.gateway_id == "5ecc441a4ea3b318cec7f999"
    _enviar_certificado(client, auth, empresa, dias=700)
    assert [(r["method"], r["path"]) for r in plugnotas.requests][2:] == [
        ("POST", "/certificado"),
        ("PATCH", f"/empresa/{empresa.cnpj}"),
    ]


def test_a_gateway_refusal_of_the_company_becomes_a_notice(admin_plugnotas, plugnotas):
    client, auth, empresa = admin_plugnotas
    db.session.get(Empresa, empresa.id).bairro = None
    db.session.commit()
    _enviar_certificado(client, auth, empresa)
    assert plugnotas.requests == []  # refused before any call: the address is incomplete
    [aviso] = db.session.scalars(sa.select(Notificacao)).all()
    assert aviso.tipo == "certificado_gateway" and "falta bairro" in aviso.mensagem
    assert db.session.scalar(sa.select(sa.func.count(Certificado.id))) == 1  # kept, to send again once fixed
    assert Regime.SIMPLES_NACIONAL is db.session.get(Empresa, empresa.id).regime


def test_the_empresa_form_chooses_the_gateway_and_the_dps_sequence(client, auth, firmas):
    from agentnfe.models import NomeGateway

    auth.login("contador@a.com")
    resposta = postar_empresa(client, auth, gateway="nacional", serie_dps="2", numero_dps="500")
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-3000:]
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert (empresa.gateway, empresa.serie_dps, empresa.numero_dps) == (NomeGateway.NACIONAL, "2", 500)
    padrao = postar_empresa(client, auth, cnpj="06.990.590/0001-23", gateway="", serie_dps="1", numero_dps="1")
    assert padrao.status_code == 302, padrao.get_data(as_text=True)[-3000:]
    assert db.session.scalar(sa.select(Empresa.gateway).where(Empresa.cnpj == "06990590000123")) is None
    em_branco = postar_empresa(client, auth, cnpj="34.028.316/0001-03", serie_dps="", numero_dps="7")
    assert em_branco.status_code == 302, em_branco.get_data(as_text=True)[-3000:]
    novo = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "34028316000103"))
    assert (novo.serie_dps, novo.numero_dps) == ("1", 7)  # a blank série keeps the default
    for campo, valor, mensagem in [("serie_dps", "AB", "série da DPS"), ("numero_dps", "0", "próximo número da DPS")]:
        html = postar_empresa(client, auth, cnpj="45.997.418/0001-53", **{campo: valor}).get_data(as_text=True)
        assert mensagem in html


def test_an_empresa_moves_to_the_national_emitter_only_where_todays_read_found_an_active_convenio(client, auth, firmas):
    auth.login("contador@a.com")
    convenios.guardar("3550308", None)  # today's read: São Paulo has no convênio
    recusada = postar_empresa(client, auth, gateway="nacional").get_data(as_text=True)
    assert "São Paulo/SP não tem convênio ativo com o emissor nacional (regras E0037/E0038)" in recusada
    assert db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161")) is None
    convenios.guardar("3550308", {"ativo": True, "emissor_nacional": True, "base": "adn"})
    assert postar_empresa(client, auth, gateway="nacional").status_code == 302
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert empresa.gateway is NomeGateway.NACIONAL


def test_a_new_mei_issues_on_the_national_emitter_in_any_municipio(client, auth, firmas):
    auth.login("contador@a.com")
    convenios.guardar("3550308", None)  # no convênio: E0037/E0038 spare the MEI
    resposta = postar_empresa(client, auth, regime="mei", regime_especial="mei", aliquota_simples_iss="",
                              **{"servicos-0-aliquota_iss": "0"})  # fmt: skip
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-2000:]
    mei = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert mei.gateway is NomeGateway.NACIONAL


def test_a_certificate_that_lasts_30_days_or_less_is_warned_about_at_once(admin_plugnotas, plugnotas):
    client, auth, empresa = admin_plugnotas
    pagina = _enviar_certificado(client, auth, empresa, dias=10).get_data(as_text=True)
    assert "guardado" in pagina and "Atenção: este certificado vence em 10 dia(s)" in pagina
    longo = _enviar_certificado(client, auth, empresa, dias=700).get_data(as_text=True)
    assert "Atenção: este certificado vence" not in longo
