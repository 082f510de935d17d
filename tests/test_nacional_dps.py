"""The national DPS: built from a note for every regime and tomador, valid against the official XSD, signed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from agentnfe.emission import assinatura, dps
from agentnfe.fiscal import iss
from agentnfe.fiscal.documents import completar_cnpj, completar_cpf
from agentnfe.models import Ambiente, Regime, RegimeEspecial

from .certs import AutoridadeDeTeste, gerar_pfx
from .fake_nacional import regras_de_datas
from .xmldsig import AssinaturaInvalida, verificar

NS = {"n": dps.NAMESPACE, "ds": "http://www.w3.org/2000/09/xmldsig#"}
BRASILIA = timezone(timedelta(hours=-3))


@pytest.fixture(scope="module")
def a1():
    """(private key, certificate PEM) of an RSA e-CNPJ issued by the test CA."""
    chave, certificado, _ = pkcs12.load_key_and_certificates(AutoridadeDeTeste().a1("11222333000181"), b"senha-do-cert")
    return chave, certificado.public_bytes(serialization.Encoding.PEM)


def _empresa(regime=Regime.SIMPLES_NACIONAL, especial=RegimeEspecial.NENHUM, **campos):
    valores = dict(
        cnpj="11222333000181", codigo_municipio="3550308", inscricao_municipal="1234567", regime=regime,
        regime_especial=especial, ambiente=Ambiente.HOMOLOGACAO, aliquota_simples_iss=Decimal("2.0100"),
    )  # fmt: skip
    return SimpleNamespace(**{**valores, **campos})


def _servico(**campos):
    valores = dict(
        codigo_servico="17.01", codigo_tributacao_nacional="170101", codigo_tributacao_municipal=None,
        aliquota_iss=Decimal("2.0000"), nbs=None, cst_ibscbs=None, cclass_trib=None, cind_op=None,
    )  # fmt: skip
    return SimpleNamespace(**{**valores, **campos})


def _nota(**campos):
    valores = dict(
        serie_dps="1", numero_dps=1, competencia=date(2026, 3, 1), valor=Decimal("1500.00"),
        descricao="Consultoria de março", codigo_municipio_prestacao=None,
    )  # fmt: skip
    return SimpleNamespace(**{**valores, **campos})


TOMADOR = {"documento": "12345678000195", "nome": "Cliente Exemplo Ltda", "email": "fin@cliente.com.br"}
ENDERECO = {"logradouro": "Av. Paulista", "numero": "1000", "bairro": "Bela Vista", "codigo_municipio": "3550308",
            "cep": "01310100", "complemento": "conj. 12"}  # fmt: skip


def _montar(nota=None, empresa=None, servico=None, retrato=None, retido=None) -> bytes:
    nota, empresa, servico = nota or _nota(), empresa or _empresa(), servico or _servico()
    retido = servico.iss_retido if retido is None and hasattr(servico, "iss_retido") else bool(retido)
    imposto = iss.calcular(empresa.regime, servico.aliquota_iss, empresa.aliquota_simples_iss, retido, nota.valor)
    instante = datetime(2026, 11, 28, 10, 30, 15, tzinfo=BRASILIA)
    return dps.montar(nota, empresa, servico, retrato or TOMADOR, instante, imposto)


def _campo(xml: bytes, caminho: str) -> str | None:
    return etree.fromstring(xml).findtext(caminho, namespaces=NS)


documentos = st.one_of(
    st.integers(0, 999_999_99).map(lambda n: completar_cpf(f"{n:09d}")),
    st.integers(1, 99_999_999).map(lambda n: completar_cnpj(f"{n:08d}0001")),
)
textos = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300).filter(
    lambda texto: any(c.isprintable() and not c.isspace() for c in texto)
)
enderecos = st.fixed_dictionaries(
    {"logradouro": textos, "numero": st.sampled_from(["100", "S/N", "12 A", "km 3,5"]), "bairro": textos,
     "complemento": st.none() | textos, "codigo_municipio": st.just("3550308"), "cep": st.just("01310100")}
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    regime=st.sampled_from(list(Regime)),
    especial=st.sampled_from(list(RegimeEspecial)),
    retido=st.booleans(),
    documento=documentos,
    endereco=st.none() | enderecos,
    email=st.none() | st.emails() | textos,
    municipal=st.none() | st.from_regex(r"\A[0-9]{3}\Z"),
    com_ibscbs=st.booleans(),
    valor=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
    descricao=textos,
    nome=textos,
    fora=st.booleans(),
    numero=st.integers(1, 10**15 - 1),
    serie=st.integers(0, 99999).map(str),
)
def test_every_dps_the_product_builds_is_valid_against_the_official_schema_and_signed(
    a1,
    regime,
    especial,
    retido,
    documento,
    endereco,
    email,
    municipal,
    com_ibscbs,
    valor,
    descricao,
    nome,
    fora,
    numero,
    serie,
):
    aliquota = Decimal(0) if regime is Regime.MEI else Decimal("3.5000")
    ibscbs = {"nbs": "113011000", "cst_ibscbs": "000", "cclass_trib": "000001", "cind_op": "100301"}
    servico = _servico(aliquota_iss=aliquota, codigo_tributacao_municipal=municipal, **(ibscbs if com_ibscbs else {}))
    nota = _nota(valor=valor, descricao=descricao, numero_dps=numero, serie_dps=serie,
                 codigo_municipio_prestacao="3304557" if fora else None)  # fmt: skip
    retrato = {"documento": documento, "nome": nome, "email": email, "endereco": endereco or {}}
    xml = _montar(nota, _empresa(regime, especial), servico, retrato, retido)
    assinado = assinatura.assinar(xml, *a1)
    assert dps.erros_de_esquema(assinado) == []
    raiz = etree.fromstring(assinado)
    assert raiz.find("n:infDPS", NS).get("Id") == (f"DPS3550308211222333000181{int(serie):05d}{numero:015d}")
    assert _campo(xml, "n:infDPS/n:toma/n:" + ("CPF" if len(documento) == 11 else "CNPJ")) == documento
    assert _campo(xml, "n:infDPS/n:valores/n:vServPrest/n:vServ") == str(valor)
    assert _campo(xml, "n:infDPS/n:serv/n:cServ/n:cTribMun") == municipal
    assert (_campo(xml, "n:infDPS/n:IBSCBS/n:cIndOp") is not None) is com_ibscbs
    certificado = x509.load_pem_x509_certificate(a1[1])
    assert verificar(assinado, certificado) == certificado


@pytest.mark.parametrize(
    ("regime", "retido", "aliquota", "retencao"),
    [
        (Regime.MEI, True, None, "1"),  # MEI: ISS in the DAS, never withheld
        (Regime.SIMPLES_NACIONAL, False, None, "1"),  # Simples not withheld: paid in the DAS
        (Regime.SIMPLES_NACIONAL, True, "2.01", "2"),  # Simples withheld: the effective Simples rate
        (Regime.LUCRO_PRESUMIDO, False, "3.50", "1"),  # others: the service's municipal rate
        (Regime.LUCRO_REAL, True, "3.50", "2"),
    ],
)
def test_iss_goes_on_the_dps_as_design_9_says_for_each_regime(regime, retido, aliquota, retencao):
    servico = _servico(aliquota_iss=Decimal(0) if regime is Regime.MEI else Decimal("3.5000"))
    xml = _montar(empresa=_empresa(regime), servico=servico, retido=retido)
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:pAliq") == aliquota
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:tpRetISSQN") == retencao
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:tribISSQN") == "1"
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:totTrib/n:indTotTrib") == "0"


@pytest.mark.parametrize(
    ("regime", "especial", "op", "apuracao", "especial_codigo"),
    [
        (Regime.MEI, RegimeEspecial.MEI, "2", None, "0"),
        (Regime.SIMPLES_NACIONAL, RegimeEspecial.ME_EPP_SIMPLES, "3", "1", "0"),
        (Regime.SIMPLES_NACIONAL, RegimeEspecial.SOCIEDADE_PROFISSIONAIS, "3", "1", "6"),
        (Regime.LUCRO_PRESUMIDO, RegimeEspecial.COOPERATIVA, "1", None, "1"),
        (Regime.LUCRO_PRESUMIDO, RegimeEspecial.ESTIMATIVA, "1", None, "2"),
        (Regime.LUCRO_REAL, RegimeEspecial.ME_MUNICIPAL, "1", None, "3"),
        (Regime.LUCRO_REAL, RegimeEspecial.AUTONOMO, "1", None, "5"),
    ],
)
def test_regime_maps_to_the_national_codes(regime, especial, op, apuracao, especial_codigo):
    xml = _montar(empresa=_empresa(regime, especial), servico=_servico(aliquota_iss=Decimal(0)))
    base = "n:infDPS/n:prest/n:regTrib/n:"
    assert (_campo(xml, base + "opSimpNac"), _campo(xml, base + "regApTribSN")) == (op, apuracao)
    assert _campo(xml, base + "regEspTrib") == especial_codigo


def test_the_tomador_address_goes_only_when_complete_and_the_ambiente_picks_tpamb():
    completo = _montar(retrato={**TOMADOR, "endereco": ENDERECO}, empresa=_empresa(ambiente=Ambiente.PRODUCAO))
    assert _campo(completo, "n:infDPS/n:toma/n:end/n:endNac/n:CEP") == "01310100"
    assert _campo(completo, "n:infDPS/n:tpAmb") == "1"
    sem_cep = _montar(retrato={**TOMADOR, "endereco": {**ENDERECO, "cep": None}})
    assert etree.fromstring(sem_cep).find("n:infDPS/n:toma/n:end", NS) is None
    assert _campo(sem_cep, "n:infDPS/n:tpAmb") == "2"
    assert _campo(sem_cep, "n:infDPS/n:dCompet") == "2026-03-31"  # a past competência: its last day


@pytest.mark.parametrize("campo", ["nome", "descricao"])
def test_a_name_or_description_of_nothing_printable_is_refused_with_a_message(campo):
    with pytest.raises(dps.DPSRecusada, match="está vazio ou só tem caracteres"):
        if campo == "nome":
            _montar(retrato={**TOMADOR, "nome": "\x08 \x1f"})
        else:
            _montar(nota=_nota(descricao="\x00\x08"))


def test_an_alphanumeric_cnpj_tomador_is_refused_with_a_clear_message():
    with pytest.raises(dps.DPSRecusada, match="CNPJ alfanumérico.*leiaute nacional"):
        _montar(retrato={**TOMADOR, "documento": "12ABC34501DE35"})


def test_a_service_without_the_national_code_is_refused_before_anything_is_built():
    with pytest.raises(dps.DPSRecusada, match="cTribNac"):
        _montar(servico=_servico(codigo_tributacao_nacional=None))
    with pytest.raises(dps.DPSRecusada, match="3 dígitos"):
        _montar(servico=_servico(codigo_tributacao_municipal="01.07.01-001"))
    with pytest.raises(dps.DPSRecusada, match="15 caracteres"):
        _montar(empresa=_empresa(inscricao_municipal="1234567890123456"))


def test_address_text_is_written_in_the_characters_the_layout_admits():
    endereco = {**ENDERECO, "logradouro": "  Rua  São João – “Centro” 🏢 ", "bairro": "Ĉentro\tVelho"}
    xml = _montar(retrato={**TOMADOR, "endereco": endereco})
    assert _campo(xml, "n:infDPS/n:toma/n:end/n:xLgr") == 'Rua São João - "Centro"'
    assert _campo(xml, "n:infDPS/n:toma/n:end/n:xBairro") == "Centro Velho"
    sem_rua = _montar(retrato={**TOMADOR, "endereco": {**ENDERECO, "logradouro": "🏢"}})
    assert etree.fromstring(sem_rua).find("n:infDPS/n:toma/n:end", NS) is None


@pytest.mark.parametrize(
    ("caminho", "novo"),
    [("n:infDPS/n:valores/n:vServPrest/n:vServ", "15000.00"), ("n:infDPS/n:toma/n:CNPJ", "12345678000276"),
     ("n:infDPS/n:nDPS", "2"), ("n:infDPS/n:serv/n:cServ/n:xDescServ", "Outra coisa")],
)  # fmt: skip
def test_changing_any_signed_value_breaks_the_signature(a1, caminho, novo):
    assinado = assinatura.assinar(_montar(), *a1)
    verificar(assinado)
    raiz = etree.fromstring(assinado)
    raiz.find(caminho, NS).text = novo
    with pytest.raises(AssinaturaInvalida, match="digest"):
        verificar(etree.tostring(raiz))


def test_a_signature_by_another_certificate_does_not_verify(a1):
    outro = AutoridadeDeTeste().a1("11222333000181")
    _, certificado, _ = pkcs12.load_key_and_certificates(outro, b"senha-do-cert")
    with pytest.raises(AssinaturaInvalida):
        verificar(assinatura.assinar(_montar(), *a1), certificado)


def test_the_digest_is_over_the_canonical_form_other_implementations_compute(a1):
    """libxml2's in-document C14N adds xmlns="" to nested elements of infDPS; the signed digest must not."""
    import hashlib
    import xml.etree.ElementTree as ET

    raiz = etree.fromstring(assinatura.assinar(_montar(), *a1))
    correto = ET.canonicalize(etree.tostring(raiz[0]).decode()).encode()
    assert b'xmlns=""' not in correto
    digest = raiz.findtext("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue", namespaces=NS)
    import base64

    assert base64.b64decode(digest) == hashlib.sha256(correto).digest()


def test_the_signature_follows_the_published_algorithms(a1):
    raiz = etree.fromstring(assinatura.assinar(_montar(), *a1))
    assinatura_xml = raiz[1]
    assert etree.QName(assinatura_xml).localname == "Signature" and assinatura_xml.prefix is None
    algoritmos = {e.get("Algorithm") for e in assinatura_xml.iter() if e.get("Algorithm")}
    assert algoritmos == {
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    }
    referencia = assinatura_xml.find("ds:SignedInfo/ds:Reference", NS).get("URI")
    assert referencia == "#" + raiz[0].get("Id")


def test_a_certificate_without_an_rsa_key_cannot_sign():
    chave, certificado, _ = pkcs12.load_key_and_certificates(gerar_pfx("11222333000181"), b"senha-do-cert")
    with pytest.raises(assinatura.AssinaturaImpossivel, match="RSA"):
        assinatura.assinar(_montar(), chave, certificado.public_bytes(serialization.Encoding.PEM))


@pytest.mark.parametrize(
    "competencia, instante, dcompet, dhemi",
    [
        (date(2026, 11, 1), datetime(2026, 11, 28, 10, 30, 15, tzinfo=BRASILIA), "2026-11-28", "2026-11-28T10:30:15-03:00"),
        (date(2026, 2, 1), datetime(2026, 11, 28, 10, 30, 15, tzinfo=BRASILIA), "2026-02-28", "2026-11-28T10:30:15-03:00"),
        # 01:30 UTC of 1 December is still 30 November in Brasília: the day and the month of the DPS are Brasília's
        (date(2026, 11, 1), datetime(2026, 12, 1, 1, 30, tzinfo=UTC), "2026-11-30", "2026-11-30T22:30:00-03:00"),
        (date(2026, 11, 1), datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("America/Manaus")), "2026-11-28",
         "2026-11-28T10:00:00-03:00"),
    ],
)  # fmt: skip
def test_dcompet_is_the_day_of_the_service_and_dhemi_is_brasilia_time(competencia, instante, dcompet, dhemi):
    nota = _nota(competencia=competencia)
    empresa, servico = _empresa(), _servico()
    imposto = iss.calcular(empresa.regime, servico.aliquota_iss, empresa.aliquota_simples_iss, False, nota.valor)
    xml = dps.montar(nota, empresa, servico, TOMADOR, instante, imposto)
    assert (_campo(xml, "n:infDPS/n:dCompet"), _campo(xml, "n:infDPS/n:dhEmi")) == (dcompet, dhemi)
    raiz = etree.fromstring(xml)
    assert regras_de_datas(raiz, instante) is None  # the fake Sefin accepts it, processed at that very instant


def test_the_fake_sefin_refuses_a_dps_from_the_future_and_a_competence_after_the_emission():
    xml = _montar(nota=_nota(competencia=date(2026, 11, 1)))
    raiz = etree.fromstring(xml)
    emitida = datetime(2026, 11, 28, 10, 30, 15, tzinfo=BRASILIA)
    assert regras_de_datas(raiz, emitida - timedelta(seconds=1))[0] == "E0008"
    raiz.find("n:infDPS/n:dCompet", NS).text = "2026-11-29"
    assert regras_de_datas(raiz, emitida)[0] == "E0015"
