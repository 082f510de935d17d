"""The national gateway end to end: a WhatsApp conversation, a signed DPS over mutual TLS, the faults."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app
from lxml import etree

from agentnfe.cadastros import convenios
from agentnfe.cadastros.empresas import harmonizar
from agentnfe.cli.nacional import sondar_dps
from agentnfe.contas import criar_usuario
from agentnfe.emission import apuracao, certificados, convenios_nacionais, fechamento, numeracao, service
from agentnfe.emission.dps import NAMESPACE
from agentnfe.emission.gateways import (
    GatewayInacessivel,
    gateway_da_empresa,
    gateway_da_nota,
    gateway_nacional,
)
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import (
    Empresa,
    EmpresaClienteTomador,
    NFSe,
    NFSeTentativa,
    NomeGateway,
    Notificacao,
    Papel,
    Regime,
    RegimeEspecial,
    StatusNFSe,
)

from .certs import AutoridadeDeTeste
from .conftest import SENHA, Auth, WhatsApp, bot_settings, criar_nota, em_paralelo, run_scheduled
from .fake_nacional import FakeSefinNacional, contexto_servidor
from .sefin_regras import Convenio
from .xmldsig import verificar

# TLS certificates of the fake Sefin and the A1 are checked on the machine's clock
pytestmark = pytest.mark.relogio_real

PEDIDO = "nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria de março"


@pytest.fixture(scope="module")
def ac():
    return AutoridadeDeTeste()


@pytest.fixture
def sefin(ac, tmp_path, monkeypatch):
    """The fake Sefin/ADN over HTTPS; the product trusts the test CA through SSL_CERT_FILE."""
    (tmp_path / "ac.pem").write_bytes(ac.pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ac.pem"))
    fake = FakeSefinNacional(contexto_servidor(ac, tmp_path))
    yield fake
    fake.close()


@pytest.fixture
def nacional(make_app, evolution, brasilapi, sefin, ac, alfa):
    """Alfa on the national gateway, with an e-CNPJ from the test CA (the system default stays the mock)."""
    app = make_app(
        **bot_settings(
            evolution,
            BRASILAPI_URL=brasilapi.url,
            NACIONAL_SEFIN_URL=sefin.sefin,
            NACIONAL_ADN_URL=sefin.adn,
            GATEWAY_TIMEOUT=1.0,
            HTTP_TIMEOUT=1.0,
        )
    )
    with app.app_context():
        empresa = db.session.get(Empresa, alfa.id)
        empresa.gateway, empresa.numero_dps = NomeGateway.NACIONAL, 41
        certificados.adicionar(db.session, empresa, ac.a1(empresa.cnpj), "senha-do-cert", datetime.now(UTC).date())
        db.session.commit()
        sefin.registrar(
            empresa.cnpj, OPCAO_SIMPLES[empresa.regime], empresa.codigo_municipio, empresa.inscricao_municipal
        )
        yield app


OPCAO_SIMPLES = {Regime.LUCRO_PRESUMIDO: "1", Regime.LUCRO_REAL: "1", Regime.MEI: "2", Regime.SIMPLES_NACIONAL: "3"}
"""How the Simples Nacional registry (the fake Sefin's E0160) knows each regime."""


def nota() -> NFSe:
    db.session.expire_all()
    return db.session.scalar(sa.select(NFSe))


def pedir_e_confirmar(app, evolution, wa: WhatsApp | None = None) -> WhatsApp:
    """The owner asks for PEDIDO on WhatsApp and says "sim"; the emission and its polls run."""
    wa = wa or WhatsApp(app.test_client(), evolution)
    wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()
    return wa


def dps_enviada(pedido: dict) -> bytes:
    return gzip.decompress(base64.b64decode(pedido["json"]["dpsXmlGZipB64"]))


def test_a_confirmed_whatsapp_conversation_ends_with_number_access_key_and_pdf(nacional, sefin, evolution, alfa):
    wa = WhatsApp(nacional.test_client(), evolution)
    assert "Tomador: EXEMPLO CONSULTORIA LTDA" in wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()
    [post] = sefin.emissoes()
    xml = dps_enviada(post)
    verificar(xml)  # signed with the empresa's A1 over infDPS, XSD-valid (the fake checks both)
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    assert (registro.serie_dps, registro.numero_dps) == ("1", 41)
    assert registro.gateway is NomeGateway.NACIONAL and registro.payload["id_dps"].endswith("00001000000000000041")
    assert b"<nDPS>41</nDPS>" in xml and b"<tpAmb>2</tpAmb>" in xml  # homologação → produção restrita
    assert len(registro.chave_acesso) == 50 and registro.gateway_id == registro.chave_acesso
    aviso = [texto for texto in wa.respostas() if texto.startswith("✅ Nota emitida!")][-1]
    assert f"Número: {registro.numero}" in aviso and f"Chave de acesso: {registro.chave_acesso}" in aviso
    danfse = [p for p in sefin.requests if p["path"] == f"/adn/danfse/{registro.chave_acesso}"]
    assert len(danfse) == 2  # the ADN had no DANFSe at first: fetched again later, not given up
    link = aviso.split("PDF: ")[1].strip()
    pdf = wa.client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and registro.chave_acesso.encode() in pdf.data
    assert sefin.url not in aviso
    assert db.session.get(Empresa, alfa.id).numero_dps == 42
    gateway, chave = gateway_da_nota(registro), registro.chave_acesso
    db.session.rollback()  # no call goes out with a transaction open
    xml_nfse = gateway.xml(chave)  # the month-end package and the admin's XML
    assert f"<nNFSe>{registro.numero}</nNFSe>".encode() in xml_nfse and b"<DPS" in xml_nfse


@pytest.mark.parametrize(
    ("regime", "campos", "retido", "esperado"),
    [
        (Regime.MEI, {"regime_especial": RegimeEspecial.MEI}, False,
         {"opSimpNac": "2", "totTrib/n:indTotTrib": "0", "tpRetISSQN": "1"}),
        (Regime.SIMPLES_NACIONAL, {}, False, {"opSimpNac": "3", "regApTribSN": "1", "totTrib/n:pTotTribSN": "6.00"}),
        (Regime.SIMPLES_NACIONAL, {}, True, {"tpRetISSQN": "2", "pAliq": "2.01", "totTrib/n:pTotTribSN": "6.00"}),
        (Regime.SIMPLES_NACIONAL, {"apuracao_simples": 2, "regime_especial": RegimeEspecial.SOCIEDADE_PROFISSIONAIS},
         False, {"regApTribSN": "2", "regEspTrib": "6"}),
        (Regime.LUCRO_PRESUMIDO, {}, True, {"opSimpNac": "1", "tpRetISSQN": "2", "pTotTrib/n:pTotTribFed": "11.33"}),
        (Regime.LUCRO_REAL, {"regime_especial": RegimeEspecial.NOTARIO_REGISTRADOR}, False,
         {"regEspTrib": "4", "pTotTrib/n:pTotTribFed": "9.25"}),
    ],
)  # fmt: skip
def test_a_whatsapp_conversation_of_each_regime_ends_authorized_by_the_rules(
    nacional, sefin, evolution, alfa, regime, campos, retido, esperado
):
    empresa = db.session.get(Empresa, alfa.id)
    empresa.regime = regime
    for campo, valor in campos.items():
        setattr(empresa, campo, valor)
    harmonizar(empresa)
    empresa.servicos[0].iss_retido = retido
    empresa.servicos[0].aliquota_iss = Decimal(0) if regime is Regime.MEI else Decimal(2)
    db.session.commit()
    sefin.registrar(empresa.cnpj, OPCAO_SIMPLES[regime], empresa.codigo_municipio, empresa.inscricao_municipal)
    wa = pedir_e_confirmar(nacional, evolution)
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    assert any(texto.startswith("✅ Nota emitida!") for texto in wa.respostas())
    raiz = etree.fromstring(dps_enviada(sefin.emissoes()[-1]))
    for campo, valor in esperado.items():
        assert raiz.findtext(f".//n:{campo}", namespaces={"n": NAMESPACE}) == valor, campo


def test_a_coded_rejection_reaches_the_accountant_verbatim_and_the_user_in_plain_words(nacional, sefin, evolution):
    sefin.regra = ("E0312", "Código de tributação nacional não administrado pelo município.")
    wa = pedir_e_confirmar(nacional, evolution)
    registro = nota()
    assert registro.status is StatusNFSe.REJEITADA
    verbatim, o_que_fazer = registro.mensagem_erro.split(" — O que fazer: ")
    assert verbatim == "E0312: Código de tributação nacional não administrado pelo município."
    assert o_que_fazer.startswith("E0312: o município de incidência") and "Código de tributação nacional" in o_que_fazer
    aviso = wa.respostas()[-1]
    assert "não autorizou" in aviso and "E0312" not in aviso and "contabilidade" in aviso
    assert len(sefin.emissoes()) == 1


@pytest.mark.parametrize(
    "codigo, para_usuario",
    [
        ("E0235", "falta o endereço do cliente (tomador)"),
        ("E0595", "dados fiscais que a contabilidade precisa corrigir"),
    ],
)
def test_a_known_code_says_what_to_fix_and_an_unknown_one_stays_verbatim(
    nacional, sefin, evolution, codigo, para_usuario
):
    sefin.regra = (codigo, "Mensagem oficial.")
    wa = pedir_e_confirmar(nacional, evolution)
    assert f"{codigo}: Mensagem oficial. — O que fazer: {codigo}: " in nota().mensagem_erro
    assert para_usuario in wa.respostas()[-1]
    sefin.regra = ("E9999", "Regra nova.")
    wa.enviar("nova nota")
    pedir_e_confirmar(nacional, evolution, wa)
    db.session.expire_all()
    ultima = db.session.scalars(sa.select(NFSe).order_by(NFSe.id.desc())).first()
    assert ultima.mensagem_erro == "E9999: Regra nova."


def test_an_answer_lost_after_acceptance_is_recovered_through_the_dps_and_never_sent_twice(nacional, sefin, alfa):
    nfse_id = criar_nota(alfa.id)
    sefin.perder_resposta = 2.5  # the Sefin registers the note, the answer comes after the client gave up
    efeitos = service.emitir(nfse_id)
    assert efeitos.tentar_de_novo and nota().status is StatusNFSe.ENVIADA
    numero = nota().numero_dps
    service.emitir(nfse_id)  # the retry asks GET /dps/{id} first
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.numero_dps == numero
    assert len(sefin.emissoes()) == 1 and len(sefin.notas) == 1
    assert [p["path"] for p in sefin.requests if "/dps/" in p["path"]] == [
        f"/SefinNacional/dps/{registro.payload['id_dps']}"
    ]
    passos = db.session.scalars(sa.select(NFSeTentativa.resultado).where(NFSeTentativa.nfse_id == nfse_id)).all()
    assert any("já tinha" in passo for passo in passos)


def test_a_refused_resend_of_a_dps_that_already_gave_a_note_adopts_that_note(nacional, sefin, alfa):
    """Belt and braces: a POST refused for a DPS the Sefin already turned into a note is not a rejection."""
    nfse_id = criar_nota(alfa.id)
    service.emitir(nfse_id)
    primeira = nota()
    gateway, documento = gateway_da_empresa(primeira.empresa), primeira.payload
    db.session.rollback()  # no call goes out with a transaction open
    resposta = gateway.emitir(documento)
    assert resposta.existente and resposta.chave_acesso == primeira.chave_acesso
    assert len(sefin.notas) == 1


def test_a_client_certificate_from_another_ca_is_refused_by_the_handshake(nacional, sefin, alfa):
    empresa = db.session.get(Empresa, alfa.id)
    certificados.adicionar(
        db.session, empresa, AutoridadeDeTeste("AC ESTRANHA").a1(empresa.cnpj, razao="ALFA"), "senha-do-cert",
        datetime.now(UTC).date(),
    )  # fmt: skip
    db.session.commit()
    gateway = gateway_da_empresa(empresa)
    db.session.rollback()  # no call goes out with a transaction open
    with pytest.raises(GatewayInacessivel, match="nothing was sent"):
        gateway.consultar("3" * 50)
    nfse_id = criar_nota(alfa.id)
    service.emitir(nfse_id, ultima_tentativa=True)
    assert nota().status is StatusNFSe.ERRO and sefin.requests == []  # nothing reached the server


def test_dps_numbers_never_repeat_under_concurrent_allocation(nacional, alfa):
    ids = [criar_nota(alfa.id, valor=f"{100 + n}.00") for n in range(12)]
    fila = list(ids)
    erros = em_paralelo(nacional, lambda: numeracao.numerar(fila.pop()), len(ids))
    assert erros == []
    numeros = db.session.scalars(sa.select(NFSe.numero_dps).where(NFSe.id.in_(ids))).all()
    assert sorted(numeros) == list(range(41, 53))
    numeracao.numerar(ids[0])  # a note keeps its number
    db.session.expire_all()
    assert db.session.get(Empresa, alfa.id).numero_dps == 53


def test_an_alphanumeric_cnpj_tomador_is_refused_before_anything_is_sent(nacional, sefin, alfa):
    from agentnfe.models import ClienteTomador, FonteTomador, TipoDocumento

    nfse_id = criar_nota(alfa.id)
    registro = db.session.get(NFSe, nfse_id)
    registro.tomador = ClienteTomador(
        documento="12ABC34501DE35", tipo_documento=TipoDocumento.CNPJ, fonte=FonteTomador.MANUAL,
        razao_social="TOMADOR ALFANUMERICO LTDA",
    )  # fmt: skip
    db.session.commit()
    service.emitir(nfse_id)
    assert nota().status is StatusNFSe.ERRO and "alfanumérico" in nota().mensagem_erro
    assert sefin.emissoes() == []


def test_the_empresa_ambiente_picks_the_official_bases_and_tpamb(make_app, alfa, ac):
    """Without overrides, homologação goes to produção restrita and produção to the production hosts."""
    from agentnfe.emission.gateways.nacional import BASES
    from agentnfe.models import Ambiente

    app = make_app()
    with app.app_context():
        empresa = db.session.get(Empresa, alfa.id)
        empresa.gateway = NomeGateway.NACIONAL
        certificados.adicionar(db.session, empresa, ac.a1(empresa.cnpj), "senha-do-cert", datetime.now(UTC).date())
        db.session.commit()
        restrita = gateway_da_empresa(empresa)
        assert (restrita.sefin, restrita.adn) == BASES[Ambiente.HOMOLOGACAO]
        assert restrita.sefin == "https://sefin.producaorestrita.nfse.gov.br/SefinNacional"
        empresa.ambiente = Ambiente.PRODUCAO
        db.session.commit()
        producao = gateway_da_empresa(empresa)
        assert (producao.sefin, producao.adn) == ("https://sefin.nfse.gov.br/SefinNacional", "https://adn.nfse.gov.br")
        assert producao.credencial is restrita.credencial  # one client per certificate, whatever the ambiente


def test_a_counter_set_back_onto_used_numbers_skips_past_them(nacional, alfa):
    primeira, segunda = criar_nota(alfa.id, valor="100.00"), criar_nota(alfa.id, valor="200.00")
    numeracao.numerar(primeira)
    db.session.get(Empresa, alfa.id).numero_dps = 41  # set back by hand: 41 is taken
    db.session.commit()
    numeracao.numerar(segunda)
    db.session.expire_all()
    assert db.session.get(NFSe, segunda).numero_dps == 42
    assert db.session.get(Empresa, alfa.id).numero_dps == 43


def test_a_rejected_note_replayed_after_the_fix_goes_out_as_a_new_dps(nacional, sefin, alfa):
    from agentnfe.emission import replay

    nfse_id = criar_nota(alfa.id)
    sefin.regra = ("E0312", "Código de tributação nacional não administrado pelo município.")
    service.emitir(nfse_id)
    rejeitada = nota()
    assert rejeitada.status is StatusNFSe.REJEITADA and rejeitada.numero_dps == 41
    replay.reprocessar(nfse_id, "suporte")
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.numero_dps == 42
    assert registro.id_integracao.endswith("-2") and len(sefin.emissoes()) == 2 and len(sefin.notas) == 1


def test_a_note_blocked_before_sending_takes_no_dps_number(nacional, sefin, alfa):
    from datetime import date

    nfse_id = criar_nota(alfa.id)
    db.session.get(NFSe, nfse_id).competencia = date(2100, 1, 1)  # a competência after the emission month
    db.session.commit()
    service.emitir(nfse_id)
    registro = nota()
    assert registro.status is StatusNFSe.ERRO and "competência" in registro.mensagem_erro
    assert registro.numero_dps is None and db.session.get(Empresa, alfa.id).numero_dps == 41
    assert sefin.requests == []


def test_a_dps_signed_with_another_empresas_certificate_is_refused_with_e0718(nacional, sefin, evolution, alfa):
    db.session.get(Empresa, alfa.id).cnpj = "11444777000161"  # the stored A1 is still the old CNPJ's
    db.session.commit()
    pedir_e_confirmar(nacional, evolution)
    registro = nota()
    assert registro.status is StatusNFSe.REJEITADA
    assert registro.mensagem_erro.startswith("E0718: A assinatura deve ser feita com o certificado digital do emitente")
    assert "envie o e-CNPJ da própria empresa" in registro.mensagem_erro


def test_what_sefin_computed_is_stored_shown_used_at_month_end_and_a_difference_is_flagged(
    nacional, sefin, evolution, alfa
):
    """Lucro presumido in a município with an active convênio: the DPS carries no rate (E0617), Sefin applies the
    município's own (3 %) where the espelho showed the profile's 2 %."""
    empresa = db.session.get(Empresa, alfa.id)
    empresa.regime = Regime.LUCRO_PRESUMIDO
    harmonizar(empresa)
    criar_usuario(db.session, "contador@alfa.com", Papel.CONTADOR, SENHA, empresa.contabilidade.nome)
    empresa.servicos[0].iss_retido = True
    db.session.commit()
    sefin.registrar(empresa.cnpj, "1", empresa.codigo_municipio, empresa.inscricao_municipal)
    wa = WhatsApp(nacional.test_client(), evolution)
    assert "retido pelo tomador · R$ 30,00" in wa.enviar(PEDIDO)  # the espelho: the profile's 2 %
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    assert b"<pAliq>" not in dps_enviada(sefin.emissoes()[-1])
    assert (registro.municipio_incidencia, registro.base_calculo) == ("3550308", Decimal("1500.00"))
    assert (registro.aliquota_aplicada, registro.valor_iss) == (Decimal("3.00"), Decimal("45.00"))
    assert (registro.valor_retido, registro.valor_liquido) == (Decimal("45.00"), Decimal("1455.00"))
    aviso = db.session.scalar(sa.select(Notificacao).where(Notificacao.tipo == "apuracao_divergente"))
    assert "alíquota de 3 % (o espelho mostrou 2 %)" in aviso.mensagem and "R$ 45,00" in aviso.mensagem
    linha = fechamento.linha(registro)
    assert (linha[6], linha[7]) == ("3", "45,00")  # the month-end package reads what Sefin computed
    client = nacional.test_client()
    Auth(client).login("contador@alfa.com")
    pagina = client.get(f"/admin/notas/details/?id={registro.id}").get_data(as_text=True)
    assert "Alíquota aplicada (Sefin)" in pagina and "difere do espelho" in pagina and "R$ 1.455,00" in pagina


def test_values_of_a_hostile_nfse_are_dropped_one_by_one_never_the_note(nacional, sefin, alfa):
    def hostil(xml: bytes) -> bytes:
        return xml.replace(b"<pAliqAplic>", b"<pAliqAplic>1e999").replace(b"<cLocIncid>", b"<cLocIncid>../")

    sefin.nfse_hostil = hostil
    nfse_id = criar_nota(alfa.id)
    db.session.get(NFSe, nfse_id).iss_retido = True
    db.session.commit()
    service.emitir(nfse_id)
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA
    assert registro.aliquota_aplicada is None and registro.municipio_incidencia is None
    assert registro.valor_iss == Decimal("30.15")  # 2.01 % of 1.500,00: the Simples rate the DPS sent


def verificar_cli(app, cnpj: str):
    return app.test_cli_runner().invoke(args=["nacional", "verificar", "--empresa", cnpj])


def test_verificar_says_an_empresa_is_ready_and_which_bases_answered(nacional, sefin, alfa):
    resultado = verificar_cli(nacional, "11.222.333/0001-81")
    assert resultado.exit_code == 0, resultado.output
    assert f"✔ conexão com o certificado da empresa (respondeu: {sefin.sefin})" in resultado.output
    assert f"✔ São Paulo/SP tem convênio ativo (respondeu: {sefin.adn}/parametrizacao)" in resultado.output
    assert "✔ próximo número da DPS (41) ainda não usado" in resultado.output
    assert "• serviço 17.01: São Paulo/SP aplica 3 %, o perfil diz 2 %" in resultado.output
    assert "Tudo certo" in resultado.output
    assert convenios.conhecido("3550308")["ativo"]  # read once, kept for the day: the admin reads it from here


def test_verificar_lists_what_is_missing_in_portuguese(nacional, sefin, alfa):
    service.emitir(criar_nota(alfa.id))  # DPS 41 becomes a note
    empresa = db.session.get(Empresa, alfa.id)
    empresa.numero_dps, empresa.aliquota_simples_total = 41, None
    db.session.commit()
    sefin.registros.convenios.clear()
    resultado = verificar_cli(nacional, alfa.cnpj)
    assert resultado.exit_code == 1
    assert "✘ falta a alíquota total efetiva do Simples (PGDAS-D) no cadastro da empresa" in resultado.output
    assert "✘ o número 41 da DPS já gerou a NFS-e" in resultado.output
    assert "✘ São Paulo/SP não tem convênio com o sistema nacional: mantenha a empresa no PlugNotas" in resultado.output
    assert "3 pendência(s)" in resultado.output
    assert verificar_cli(nacional, "11.111.111/1111-11").exit_code != 0  # not a CNPJ: said, not a traceback


def test_the_probe_says_which_of_the_published_sefin_paths_answered(nacional, sefin, alfa):
    """Produção restrita's base path differs between public sources; the one that answers is the one to keep."""
    gateway = gateway_nacional(alfa.id)
    db.session.rollback()  # no call goes out with a transaction open
    base, existente, problemas = sondar_dps(gateway, [sefin.url + "/API/SefinNacional", sefin.sefin], "DPS" + "1" * 42)
    assert (base, existente) == (sefin.sefin, None)
    assert problemas == [f"{sefin.url}/API/SefinNacional: HTTP 404, sem resposta da API"]


def test_the_convenio_read_for_the_day_decides_whether_the_dps_carries_the_rate(nacional, sefin, alfa):
    """Lucro presumido, a service whose ISS is due where it is provided (LC 116 art. 3º, 7.10), provided in Rio,
    whose convênio the day's read found inactive: the DPS carries the rate (E0619) and Sefin accepts it."""
    empresa = db.session.get(Empresa, alfa.id)
    empresa.regime = Regime.LUCRO_PRESUMIDO
    harmonizar(empresa)
    servico = empresa.servicos[0]
    servico.codigo_servico, servico.codigo_tributacao_nacional, servico.aliquota_iss = "07.10", "071001", Decimal(4)
    db.session.commit()
    sefin.registrar(empresa.cnpj, "1", empresa.codigo_municipio, empresa.inscricao_municipal)
    sefin.registros.convenios["3304557"] = Convenio(ativo=False)
    convenios.guardar("3304557", None)
    nfse_id = criar_nota(alfa.id)
    registro = db.session.get(NFSe, nfse_id)
    registro.codigo_municipio_prestacao, registro.aliquota_iss = "3304557", Decimal(4)
    db.session.commit()
    service.emitir(nfse_id)
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    assert b"<pAliq>4.00</pAliq>" in dps_enviada(sefin.emissoes()[-1])
    assert (registro.municipio_incidencia, registro.aliquota_aplicada) == ("3304557", Decimal("4.00"))


def test_the_ibscbs_group_can_be_required_of_the_regular_regime_by_setting(nacional, sefin, alfa):
    empresa = db.session.get(Empresa, alfa.id)
    empresa.regime = Regime.LUCRO_REAL
    harmonizar(empresa)
    db.session.commit()
    sefin.registrar(empresa.cnpj, "1", empresa.codigo_municipio, empresa.inscricao_municipal)
    nacional.config["NACIONAL_IBSCBS_OBRIGATORIO"] = True
    service.emitir(criar_nota(alfa.id), ultima_tentativa=True)
    assert "o grupo IBS/CBS é obrigatório" in nota().mensagem_erro and sefin.emissoes() == []
    servico = db.session.get(Empresa, alfa.id).servicos[0]
    servico.cst_ibscbs, servico.cclass_trib, servico.cind_op = "000", "000001", "100301"
    db.session.commit()
    nfse_id = criar_nota(alfa.id, valor="200.00")
    service.emitir(nfse_id)
    assert db.session.get(NFSe, nfse_id).status is StatusNFSe.CONCLUIDA
    assert b"<cIndOp>100301</cIndOp>" in dps_enviada(sefin.emissoes()[-1])


PEDIDO_CPF = "nota de R$ 1.500,00 para o CPF 529.982.247-25, consultoria de março"


def _retido_no_servico(alfa) -> None:
    db.session.get(Empresa, alfa.id).servicos[0].iss_retido = True
    db.session.commit()


def test_the_bot_asks_the_cep_and_number_when_the_national_note_needs_an_address_nobody_has(
    nacional, sefin, evolution, alfa, brasilapi
):
    """A CPF tomador with withheld ISS (E0237): the registry has no address for a CPF."""
    _retido_no_servico(alfa)
    wa = WhatsApp(nacional.test_client(), evolution)
    assert "nome completo" in wa.enviar(PEDIDO_CPF)
    assert "Mande o CEP e o número" in wa.enviar("Maria da Silva")
    assert "Não encontrei o CEP" in wa.enviar("fica na paulista")
    assert "Faltou o número" in wa.enviar("CEP 01310-100")
    espelho = wa.enviar("01310-100, 1000")
    assert "Endereço do cliente: Avenida Paulista, 1000 — Bela Vista, São Paulo/SP, CEP 01310-100" in espelho
    assert [p["path"] for p in brasilapi.requests].count("/api/cep/v2/01310100") == 1  # looked up once, then cached
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    raiz = etree.fromstring(dps_enviada(sefin.emissoes()[-1]))
    ns = {"n": NAMESPACE}
    assert raiz.findtext(".//n:toma/n:end/n:endNac/n:CEP", namespaces=ns) == "01310100"
    assert raiz.findtext(".//n:toma/n:end/n:nro", namespaces=ns) == "1000"
    assert raiz.findtext(".//n:toma/n:end/n:endNac/n:cMun", namespaces=ns) == "3550308"
    wa.enviar("nova nota")  # the firm's link keeps the address: the next note does not ask again
    assert "Mande o CEP" not in wa.enviar(PEDIDO_CPF)


def test_when_the_cep_lookup_fails_the_note_waits_for_the_accountant_with_what_the_user_gave(
    nacional, sefin, evolution, alfa, brasilapi
):
    _retido_no_servico(alfa)
    brasilapi.ceps.clear()  # the CEP service does not know it (or is down)
    wa = WhatsApp(nacional.test_client(), evolution)
    wa.enviar(PEDIDO_CPF)
    wa.enviar("Maria da Silva")
    espelho = wa.enviar("01310-100, 1000")
    assert "não consegui consultar este CEP agora; a contabilidade completa a rua antes de emitir" in espelho
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is not StatusNFSe.CONCLUIDA and sefin.emissoes() == []
    assert "falta o endereço do tomador 52998224725" in registro.mensagem_erro
    vinculo = db.session.scalar(sa.select(EmpresaClienteTomador))
    assert (vinculo.cep, vinculo.numero, vinculo.logradouro) == ("01310100", "1000", None)


def test_a_note_that_does_not_go_to_the_national_emitter_is_not_asked_for_an_address(make_app, evolution, alfa):
    with make_app(**bot_settings(evolution)).app_context():
        _retido_no_servico(alfa)
        wa = WhatsApp(current_app.test_client(), evolution)
        wa.enviar(PEDIDO_CPF)
        assert "Confirma a emissão?" in wa.enviar("Maria da Silva")


def test_the_day_the_user_says_the_service_was_provided_is_the_dps_competence_date(nacional, sefin, evolution):
    dia = (relogio.hoje().replace(day=1) - timedelta(days=1)).replace(day=3)  # the 3rd of last month
    wa = WhatsApp(nacional.test_client(), evolution)
    espelho = wa.enviar(f"nota de R$ 1.500,00 para 12.345.678/0001-95 consultoria prestada em {dia:%d/%m/%Y}")
    assert f"Data do serviço: {dia:%d/%m/%Y}" in espelho and f"Competência: {dia:%m/%Y}" in espelho
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA, registro.mensagem_erro
    assert (registro.data_servico, registro.competencia) == (dia, dia.replace(day=1))
    assert f"<dCompet>{dia.isoformat()}</dCompet>".encode() in dps_enviada(sefin.emissoes()[-1])


def test_the_espelho_shows_the_municipios_own_rate_once_its_parameters_were_read(nacional, sefin, evolution, alfa):
    """Lucro presumido with an active convênio: Sefin applies the município's rate (3 %), not the profile's (2 %);
    once the day's read knows it, the espelho and the note say 3 % and nothing differs after authorization."""
    empresa = db.session.get(Empresa, alfa.id)
    empresa.regime = Regime.LUCRO_PRESUMIDO
    harmonizar(empresa)
    db.session.commit()
    sefin.registrar(empresa.cnpj, "1", empresa.codigo_municipio, empresa.inscricao_municipal)
    convenios_nacionais.conferir(alfa.id)  # the daily task's read (and the one after a move to the national emitter)
    wa = WhatsApp(nacional.test_client(), evolution)
    assert "ISS: 3% não retido · R$ 45,00" in wa.enviar(PEDIDO)
    wa.enviar("sim")
    run_scheduled()
    registro = nota()
    assert registro.status is StatusNFSe.CONCLUIDA and registro.aliquota_iss == Decimal(3)
    assert registro.aliquota_aplicada == Decimal(3) and apuracao.divergencias(registro) == []
