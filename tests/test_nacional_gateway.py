"""The national gateway end to end: a WhatsApp conversation, a signed DPS over mutual TLS, the faults."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from agentnfe.emission import certificados, numeracao, service
from agentnfe.emission.gateways import GatewayInacessivel, gateway_da_empresa, gateway_da_nota
from agentnfe.extensions import db
from agentnfe.models import Empresa, NFSe, NFSeTentativa, NomeGateway, StatusNFSe

from .certs import AutoridadeDeTeste
from .conftest import WhatsApp, bot_settings, criar_nota, em_paralelo, run_scheduled
from .fake_nacional import FakeSefinNacional, contexto_servidor
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
        yield app


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
    xml_nfse = gateway_da_nota(registro).xml(registro.chave_acesso)  # the month-end package and the admin's XML
    assert f"<nNFSe>{registro.numero}</nNFSe>".encode() in xml_nfse and b"<DPS" in xml_nfse


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
    gateway = gateway_da_empresa(primeira.empresa)
    resposta = gateway.emitir(primeira.payload)
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
