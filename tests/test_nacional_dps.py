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
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from agentnfe.emission import assinatura, dps
from agentnfe.fiscal import iss
from agentnfe.fiscal.documents import completar_cnpj, completar_cpf
from agentnfe.models import Ambiente, Regime, RegimeEspecial

from .certs import AutoridadeDeTeste, gerar_pfx
from .sefin_regras import (
    REGRAS,
    Contribuinte,
    Convenio,
    Registros,
    classificacoes,
    conferir,
    incidencia_por_servico,
    indicadores_de_operacao,
)
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
        aliquota_simples_total=Decimal("6.0000"), apuracao_simples=1, percentual_tributos_federais=None,
        percentual_tributos_estaduais=None, percentual_tributos_municipais=None,
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
        descricao="Consultoria de março", codigo_municipio_prestacao=None, data_servico=None,
    )  # fmt: skip
    return SimpleNamespace(**{**valores, **campos})


TOMADOR = {"documento": "12345678000195", "nome": "Cliente Exemplo Ltda", "email": "fin@cliente.com.br"}
ENDERECO = {"logradouro": "Av. Paulista", "numero": "1000", "bairro": "Bela Vista", "codigo_municipio": "3550308",
            "cep": "01310100", "complemento": "conj. 12"}  # fmt: skip
COM_ENDERECO = {**TOMADOR, "endereco": ENDERECO}


INSTANTE = datetime(2026, 11, 28, 10, 30, 15, tzinfo=BRASILIA)


def _montar(nota=None, empresa=None, servico=None, retrato=None, retido=None, convenio_ativo=True) -> bytes:
    nota, empresa, servico = nota or _nota(), empresa or _empresa(), servico or _servico()
    retido = servico.iss_retido if retido is None and hasattr(servico, "iss_retido") else bool(retido)
    imposto = iss.calcular(
        empresa.regime, servico.aliquota_iss, empresa.aliquota_simples_iss, retido, nota.valor, empresa.apuracao_simples
    )
    return dps.montar(nota, empresa, servico, retrato or COM_ENDERECO, INSTANTE, imposto, convenio_ativo)


def _campo(xml: bytes, caminho: str) -> str | None:
    return etree.fromstring(xml).findtext(caminho, namespaces=NS)


documentos = st.one_of(
    st.integers(0, 999_999_99).map(lambda n: completar_cpf(f"{n:09d}")),
    st.integers(1, 99_999_999).filter(lambda n: n != 11222333).map(lambda n: completar_cnpj(f"{n:08d}0001")),
).filter(lambda documento: len(set(documento)) > 1)  # 000.000.000-00 passes the DV sums; no registry knows it
textos = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300).filter(
    lambda texto: any(c.isprintable() and not c.isspace() for c in texto)
)


def _enderecos(municipio: str):
    return st.fixed_dictionaries(
        {"logradouro": textos.map("Rua {}".format), "numero": st.sampled_from(["100", "S/N", "12 A", "km 3,5"]),
         "bairro": textos.map("Vila {}".format),
         "complemento": st.none() | textos, "codigo_municipio": st.just(municipio), "cep": st.just("01310100")}
    )  # fmt: skip


OPCAO = {Regime.LUCRO_PRESUMIDO: "1", Regime.LUCRO_REAL: "1", Regime.MEI: "2", Regime.SIMPLES_NACIONAL: "3"}
REGIMES_E_APURACOES = [(Regime.MEI, 1), (Regime.SIMPLES_NACIONAL, 1), (Regime.SIMPLES_NACIONAL, 2),
                       (Regime.SIMPLES_NACIONAL, 3), (Regime.LUCRO_PRESUMIDO, 1), (Regime.LUCRO_REAL, 1)]  # fmt: skip
FORA = "3304557"  # Rio de Janeiro: another município, for the place of service and the tomador
SEM_SUPORTE = {"070201", "070202", "070401", "070501", "070502", "070601", "070602", "070701", "070801", "071701",
               "071901", "990101", "990401"}  # fmt: skip
SERVICOS = sorted(codigo for codigo in incidencia_por_servico() if codigo not in SEM_SUPORTE and codigo[:2] != "12")
COM_TPOPER = ("2505", "1509", "1712", "1005")
PARES_IBSCBS = sorted((cst, cclass) for cclass, cst in classificacoes().items())
INDICADORES = sorted(indicadores_de_operacao() - {"020101", "020201", "020301"})


def especiais_permitidos(regime: Regime, apuracao: int) -> list[RegimeEspecial]:
    """What the accountant may register (E0174, E0175) — the product's admin refuses the rest."""
    if regime is Regime.MEI:
        return [RegimeEspecial.MEI, RegimeEspecial.NENHUM]
    if regime is Regime.SIMPLES_NACIONAL and apuracao == 1:
        return [RegimeEspecial.NENHUM, RegimeEspecial.ME_EPP_SIMPLES]
    return [e for e in RegimeEspecial if e is not RegimeEspecial.MEI]


@st.composite
def cenarios(draw):
    """One note of the regime matrix that the rules allow, the registries as they would be, and the DPS."""
    regime, apuracao = draw(st.sampled_from(REGIMES_E_APURACOES))
    especial = draw(st.sampled_from(especiais_permitidos(regime, apuracao)))
    sem_especial = especial in (RegimeEspecial.NENHUM, RegimeEspecial.MEI, RegimeEspecial.ME_EPP_SIMPLES)
    retido = draw(st.booleans()) and sem_especial  # E0588: withholding with a special regime is refused (below)
    com_ibscbs = draw(st.booleans())
    codigo = draw(st.sampled_from(SERVICOS).filter(lambda c: not (com_ibscbs and c.startswith(COM_TPOPER))))
    if retido and codigo == "220101":
        retido = False  # E0596: pedágio is never withheld
    documento = draw(documentos)
    municipio_tomador = draw(st.sampled_from(["3550308", FORA]))
    regra = incidencia_por_servico()[codigo]
    exige_endereco = len(documento) == 14 or retido or regra == "ET"
    endereco = draw(_enderecos(municipio_tomador) if exige_endereco else st.none() | _enderecos(municipio_tomador))
    fora = draw(st.booleans())
    incidencia = {"EP": "3550308", "LP": FORA if fora else "3550308", "ET": endereco and municipio_tomador}[regra]
    ativo = True if incidencia == "3550308" else draw(st.booleans())
    fora_do_simples = regime is Regime.SIMPLES_NACIONAL and apuracao != 1
    assume(not (fora_do_simples and not sem_especial and not ativo))  # E0604 × E0640: refused, tested below
    aliquota = Decimal(0) if regime is Regime.MEI else draw(st.sampled_from(["2", "3.5", "5"])).join(["", ""])
    cst, cclass = draw(st.sampled_from(PARES_IBSCBS))
    ibscbs = {"nbs": "113011000", "cst_ibscbs": cst, "cclass_trib": cclass,
              "cind_op": draw(st.sampled_from(INDICADORES))} if com_ibscbs else {}  # fmt: skip
    servico = _servico(codigo_servico=f"{codigo[:2]}.{codigo[2:4]}", codigo_tributacao_nacional=codigo,
                       aliquota_iss=Decimal(aliquota), **ibscbs)  # fmt: skip
    empresa = _empresa(
        regime, especial, apuracao_simples=apuracao,
        aliquota_simples_iss=draw(st.sampled_from([Decimal("1.8"), Decimal("2.01"), Decimal("4.5")])),
        aliquota_simples_total=draw(st.sampled_from([Decimal("4"), Decimal("15.5"), Decimal("33")])),
        percentual_tributos_federais=draw(st.none() | st.sampled_from([Decimal("0"), Decimal("13.45")])),
        inscricao_municipal=draw(st.sampled_from(["1234567", None])),
    )  # fmt: skip
    nota = _nota(valor=draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)),
                 descricao=draw(textos), numero_dps=draw(st.integers(1, 10**15 - 1)),
                 serie_dps=str(draw(st.integers(1, 49999))), codigo_municipio_prestacao=FORA if fora else None)  # fmt: skip
    email = draw(st.none() | st.emails() | textos)
    retrato = {"documento": documento, "nome": draw(textos), "email": email, "endereco": endereco or {}}
    registros = Registros()
    inscricoes = {"3550308": empresa.inscricao_municipal} if empresa.inscricao_municipal else {}
    registros.contribuintes[empresa.cnpj] = Contribuinte(OPCAO[regime], inscricoes)
    registros.convenios["3550308"] = Convenio()
    if incidencia and incidencia != "3550308":
        registros.convenios[incidencia] = Convenio(ativo=ativo)
    return nota, empresa, servico, retrato, retido, ativo, registros


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cenario=cenarios())
def test_every_dps_of_the_regime_matrix_is_accepted_by_the_rules_of_the_fake_sefin(a1, cenario):
    """MEI, ME/EPP with and without withholding and regApTribSN 1-3, LP, LR, every special regime the rules allow,
    CPF and CNPJ tomadores, inside and outside the município, convênio of incidence active or not, IBS/CBS on and
    off: the fake Sefin's rules (written from Anexo I/VI, not from the builder) accept every DPS."""
    nota, empresa, servico, retrato, retido, ativo, registros = cenario
    xml = _montar(nota, empresa, servico, retrato, retido, convenio_ativo=ativo)
    assinado = assinatura.assinar(xml, *a1)
    assert dps.erros_de_esquema(assinado) == []
    assert conferir(etree.fromstring(assinado), registros, INSTANTE) == []
    raiz = etree.fromstring(assinado)
    assert (
        raiz.find("n:infDPS", NS).get("Id")
        == f"DPS3550308211222333000181{int(nota.serie_dps):05d}{nota.numero_dps:015d}"
    )
    documento = retrato["documento"]
    assert _campo(xml, "n:infDPS/n:toma/n:" + ("CPF" if len(documento) == 11 else "CNPJ")) == documento
    assert _campo(xml, "n:infDPS/n:valores/n:vServPrest/n:vServ") == str(nota.valor)
    assert (_campo(xml, "n:infDPS/n:IBSCBS/n:cIndOp") is not None) is bool(servico.cind_op)
    certificado = x509.load_pem_x509_certificate(a1[1])
    assert verificar(assinado, certificado) == certificado


@pytest.mark.parametrize(
    ("regime", "apuracao", "retido", "ativo", "aliquota", "retencao"),
    [
        (Regime.MEI, 1, True, True, None, "1"),  # MEI: ISS in the DAS, never withheld, never a rate (E0600)
        (Regime.SIMPLES_NACIONAL, 1, False, True, None, "1"),  # paid in the DAS: no rate (E0625)
        (Regime.SIMPLES_NACIONAL, 1, True, True, "2.01", "2"),  # withheld: the effective Simples rate (E0621)
        (Regime.SIMPLES_NACIONAL, 1, True, False, "2.01", "2"),  # the same without an active convênio (E0628)
        (Regime.SIMPLES_NACIONAL, 2, True, True, None, "2"),  # ISS outside the Simples, active: Sefin's rate (E0635)
        (Regime.SIMPLES_NACIONAL, 3, False, False, "3.50", "1"),  # inactive: the município's rate (E0640)
        (Regime.LUCRO_PRESUMIDO, 1, False, True, None, "1"),  # não optante, active convênio: no rate (E0617)
        (Regime.LUCRO_REAL, 1, True, False, "3.50", "2"),  # não optante, no active convênio: the rate (E0619)
    ],
)
def test_the_rate_goes_on_the_dps_only_where_the_rules_ask_for_it(regime, apuracao, retido, ativo, aliquota, retencao):
    servico = _servico(aliquota_iss=Decimal(0) if regime is Regime.MEI else Decimal("3.5000"))
    empresa = _empresa(regime, apuracao_simples=apuracao)
    xml = _montar(empresa=empresa, servico=servico, retido=retido, convenio_ativo=ativo, retrato=COM_ENDERECO)
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:pAliq") == aliquota
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:tpRetISSQN") == retencao
    assert _campo(xml, "n:infDPS/n:valores/n:trib/n:tribMun/n:tribISSQN") == "1"


@pytest.mark.parametrize(
    ("regime", "campos", "esperado"),
    [
        (Regime.MEI, {}, {"indTotTrib": "0"}),
        (Regime.SIMPLES_NACIONAL, {"aliquota_simples_total": Decimal("15.5")}, {"pTotTribSN": "15.50"}),
        (Regime.LUCRO_PRESUMIDO, {}, {"pTotTrib/n:pTotTribFed": "11.33", "pTotTrib/n:pTotTribEst": "0.00",
                                      "pTotTrib/n:pTotTribMun": "2.00"}),
        (Regime.LUCRO_REAL, {"percentual_tributos_federais": Decimal("20"), "percentual_tributos_municipais": Decimal("5")},
         {"pTotTrib/n:pTotTribFed": "20.00", "pTotTrib/n:pTotTribMun": "5.00"}),
    ],
)  # fmt: skip
def test_the_tax_burden_is_the_choice_each_regime_may_send(regime, campos, esperado):
    xml = _montar(empresa=_empresa(regime, **campos), servico=_servico(aliquota_iss=Decimal(2)))
    for caminho, valor in esperado.items():
        assert _campo(xml, f"n:infDPS/n:valores/n:trib/n:totTrib/n:{caminho}") == valor
    if "indTotTrib" not in esperado:
        assert _campo(xml, "n:infDPS/n:valores/n:trib/n:totTrib/n:indTotTrib") is None  # E0712, E0713


def test_an_me_epp_without_its_total_simples_rate_is_refused_before_sending():
    with pytest.raises(dps.DPSRecusada, match="alíquota total efetiva do Simples.*PGDAS-D"):
        _montar(empresa=_empresa(aliquota_simples_total=None))


@pytest.mark.parametrize(
    ("regime", "especial", "op", "apuracao", "especial_codigo"),
    [
        (Regime.MEI, RegimeEspecial.MEI, "2", None, "0"),
        (Regime.SIMPLES_NACIONAL, RegimeEspecial.ME_EPP_SIMPLES, "3", "1", "0"),
        (Regime.LUCRO_PRESUMIDO, RegimeEspecial.COOPERATIVA, "1", None, "1"),
        (Regime.LUCRO_PRESUMIDO, RegimeEspecial.ESTIMATIVA, "1", None, "2"),
        (Regime.LUCRO_REAL, RegimeEspecial.ME_MUNICIPAL, "1", None, "3"),
        (Regime.LUCRO_REAL, RegimeEspecial.NOTARIO_REGISTRADOR, "1", None, "4"),
        (Regime.LUCRO_REAL, RegimeEspecial.AUTONOMO, "1", None, "5"),
        (Regime.LUCRO_PRESUMIDO, RegimeEspecial.OUTROS, "1", None, "9"),
    ],
)
def test_regime_maps_to_the_national_codes(regime, especial, op, apuracao, especial_codigo):
    xml = _montar(empresa=_empresa(regime, especial), servico=_servico(aliquota_iss=Decimal(0)))
    base = "n:infDPS/n:prest/n:regTrib/n:"
    assert (_campo(xml, base + "opSimpNac"), _campo(xml, base + "regApTribSN")) == (op, apuracao)
    assert _campo(xml, base + "regEspTrib") == especial_codigo


@pytest.mark.parametrize("apuracao", [2, 3])
def test_an_me_epp_over_the_sublimit_sends_its_apuracao_and_may_have_a_special_regime(apuracao):
    empresa = _empresa(especial=RegimeEspecial.SOCIEDADE_PROFISSIONAIS, apuracao_simples=apuracao)
    xml = _montar(empresa=empresa)
    assert _campo(xml, "n:infDPS/n:prest/n:regTrib/n:regApTribSN") == str(apuracao)
    assert _campo(xml, "n:infDPS/n:prest/n:regTrib/n:regEspTrib") == "6"
    with pytest.raises(dps.DPSRecusada, match="E0640.*E0604"):
        _montar(empresa=empresa, convenio_ativo=False)


@pytest.mark.parametrize(
    ("empresa", "retido", "regra"),
    [
        (dict(especial=RegimeEspecial.SOCIEDADE_PROFISSIONAIS), False, "E0175"),
        (dict(regime=Regime.MEI, especial=RegimeEspecial.AUTONOMO), False, "E0174"),
        (dict(regime=Regime.LUCRO_PRESUMIDO, especial=RegimeEspecial.ESTIMATIVA), True, "E0588"),
        (dict(aliquota_simples_iss=Decimal("1.5")), True, "E0621"),
    ],
)
def test_what_the_rules_forbid_is_refused_with_the_rules_code_before_sending(empresa, retido, regra):
    with pytest.raises(dps.DPSRecusada, match=regra):
        _montar(empresa=_empresa(**empresa), retido=retido, retrato=COM_ENDERECO)


@pytest.mark.parametrize(
    ("retrato", "retido", "codigo", "regra"),
    [
        (TOMADOR, False, "170101", "E0235"),  # a CNPJ tomador
        ({**TOMADOR, "documento": "52998224725"}, True, "170101", "E0237"),  # a CPF tomador with withheld ISS
        ({**TOMADOR, "documento": "52998224725"}, False, "170501", "E0234"),  # ISS due where the tomador is
    ],
)
def test_a_note_the_rules_need_the_tomador_address_for_is_refused_without_it(retrato, retido, codigo, regra):
    servico = _servico(codigo_servico=f"{codigo[:2]}.{codigo[2:4]}", codigo_tributacao_nacional=codigo)
    with pytest.raises(dps.DPSRecusada, match=f"falta o endereço do tomador.*{regra}"):
        _montar(retrato={**retrato, "endereco": {}}, servico=servico, retido=retido)
    cpf_sem_retencao = _montar(retrato={**TOMADOR, "documento": "52998224725", "endereco": {}})
    assert etree.fromstring(cpf_sem_retencao).find("n:infDPS/n:toma/n:end", NS) is None


def test_the_tomador_address_goes_when_complete_and_the_ambiente_picks_tpamb():
    completo = _montar(retrato=COM_ENDERECO, empresa=_empresa(ambiente=Ambiente.PRODUCAO))
    assert _campo(completo, "n:infDPS/n:toma/n:end/n:endNac/n:CEP") == "01310100"
    assert _campo(completo, "n:infDPS/n:tpAmb") == "1"
    homologacao = _montar(retrato=COM_ENDERECO)
    assert _campo(homologacao, "n:infDPS/n:tpAmb") == "2"
    assert _campo(homologacao, "n:infDPS/n:dCompet") == "2026-03-31"  # a past competência: its last day


@pytest.mark.parametrize(
    ("servico", "regra"),
    [
        (dict(codigo_servico="07.02", codigo_tributacao_nacional="070201"), "E0370"),
        (dict(codigo_servico="12.01", codigo_tributacao_nacional="120101"), "E0390"),
        (dict(codigo_servico="99.01", codigo_tributacao_nacional="990101"), "E0532"),
        (dict(codigo_servico="25.05", codigo_tributacao_nacional="250501", cst_ibscbs="000", cclass_trib="000001",
              cind_op="100301"), "tpOper"),
        (dict(cst_ibscbs="000", cclass_trib="000001", cind_op="020101"), "imovel"),
    ],
)  # fmt: skip
def test_services_whose_groups_the_product_does_not_write_are_refused_with_the_reason(servico, regra):
    with pytest.raises(dps.DPSRecusada, match=regra):
        _montar(servico=_servico(**servico), retrato=COM_ENDERECO)


@pytest.mark.parametrize("serie", ["0", "50000", "99999"])
def test_a_serie_outside_the_range_of_the_taxpayers_application_is_refused(serie):
    with pytest.raises(dps.DPSRecusada, match="E0010"):
        _montar(nota=_nota(serie_dps=serie))


@pytest.mark.parametrize("campo", ["nome", "descricao"])
def test_a_name_or_description_of_nothing_printable_is_refused_with_a_message(campo):
    with pytest.raises(dps.DPSRecusada, match="está vazio ou só tem caracteres"):
        if campo == "nome":
            _montar(retrato={**COM_ENDERECO, "nome": "\x08 \x1f"})
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
    cpf_sem_rua = {**TOMADOR, "documento": "52998224725", "endereco": {**ENDERECO, "logradouro": "🏢"}}
    assert etree.fromstring(_montar(retrato=cpf_sem_rua)).find("n:infDPS/n:toma/n:end", NS) is None
    with pytest.raises(dps.DPSRecusada, match="E0235"):  # a CNPJ tomador's street of nothing is no address
        _montar(retrato={**TOMADOR, "endereco": {**ENDERECO, "logradouro": "🏢"}})


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


def test_dcompet_is_the_day_the_user_said_the_service_was_provided_never_after_the_emission():
    dito = _montar(nota=_nota(competencia=date(2026, 11, 1), data_servico=date(2026, 11, 3)))
    assert _campo(dito, "n:infDPS/n:dCompet") == "2026-11-03"
    depois = _montar(nota=_nota(competencia=date(2026, 11, 1), data_servico=date(2026, 11, 29)))  # issued on the 28th
    assert _campo(depois, "n:infDPS/n:dCompet") == "2026-11-28"


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
    xml = dps.montar(nota, empresa, servico, COM_ENDERECO, instante, imposto)
    assert (_campo(xml, "n:infDPS/n:dCompet"), _campo(xml, "n:infDPS/n:dhEmi")) == (dcompet, dhemi)
    # the fake Sefin accepts it, processed at that very instant
    assert conferir(etree.fromstring(xml), _registros(), instante) == []


def _registros(**convenio) -> Registros:
    """Alfa as the registries know it: ME/EPP, IM 1234567 in São Paulo, whose convênio is active."""
    registros = Registros()
    registros.contribuintes["11222333000181"] = Contribuinte("3", {"3550308": "1234567"})
    registros.convenios["3550308"] = Convenio(**convenio)
    return registros


def _trocar(caminho: str, valor: str | None):
    """A mutation that sets (or, with None, removes) one field of the DPS, creating it when missing."""

    def mudar(raiz, _registros):
        partes = caminho.split("/")
        pai = raiz.find("n:infDPS", NS)
        for parte in partes[:-1]:
            filho = pai.find(f"n:{parte}", NS)
            pai = filho if filho is not None else etree.SubElement(pai, f"{{{dps.NAMESPACE}}}{parte}")
        alvo = pai.find(f"n:{partes[-1]}", NS)
        if valor is None:
            if alvo is not None:
                pai.remove(alvo)
            return
        if alvo is None:
            alvo = etree.SubElement(pai, f"{{{dps.NAMESPACE}}}{partes[-1]}")
        alvo.text = valor

    return mudar


def _varios(*mudancas):
    def mudar(raiz, registros):
        for mudanca in mudancas:
            mudanca(raiz, registros)

    return mudar


def _registro(funcao):
    return lambda _raiz, registros: funcao(registros)


def _convenio(municipio: str, **campos):
    return _registro(lambda r: r.convenios.__setitem__(municipio, Convenio(**campos)))


def _contribuinte(**campos):
    return _registro(lambda r: r.contribuintes.__setitem__("11222333000181", Contribuinte(**campos)))


TRIB = "valores/trib/tribMun/"
TOT = "valores/trib/totTrib/"
MEI = _varios(_trocar("prest/regTrib/opSimpNac", "2"), _trocar("prest/regTrib/regApTribSN", None),
              _contribuinte(opcao_simples="2"), _trocar(TOT + "pTotTribSN", None), _trocar(TOT + "indTotTrib", "0"))  # fmt: skip
NAO_OPTANTE = _varios(_trocar("prest/regTrib/opSimpNac", "1"), _trocar("prest/regTrib/regApTribSN", None),
                      _contribuinte(opcao_simples="1", inscricoes={"3550308": "1234567"}))  # fmt: skip
RETIDO = _trocar(TRIB + "tpRetISSQN", "2")
EM_OUTRO_MUNICIPIO = _varios(_trocar("serv/cServ/cTribNac", "170501"), _trocar("toma/end/endNac/cMun", "3304557"))
IBSCBS = _varios(_trocar("IBSCBS/finNFSe", "0"), _trocar("IBSCBS/indFinal", "0"), _trocar("IBSCBS/cIndOp", "100301"),
                 _trocar("IBSCBS/indDest", "0"), _trocar("IBSCBS/valores/trib/gIBSCBS/CST", "000"),
                 _trocar("IBSCBS/valores/trib/gIBSCBS/cClassTrib", "000001"))  # fmt: skip

CASOS = {
    ("E0004", "Identificador"): _trocar("nDPS", "42"),
    ("E0006", "Ambiente"): _trocar("tpAmb", "1"),
    ("E0008", "data e hora"): _trocar("dhEmi", "2026-11-28T10:30:16-03:00"),
    ("E0010", "série"): _varios(
        _trocar("serie", "50000"),
        lambda r, _: r.find("n:infDPS", NS).set(
            "Id", r.find("n:infDPS", NS).get("Id")[:-20] + "50000" + r.find("n:infDPS", NS).get("Id")[-15:]
        ),
    ),
    ("E0015", "competência"): _trocar("dCompet", "2026-11-29"),
    ("E0016", "ativação do convênio"): _convenio("3550308", desde=date(2026, 12, 1)),
    ("E0018", "inscrição do CNPJ"): _contribuinte(
        opcao_simples="3", inscricoes={"3550308": "1234567"}, inscrito_em=date(2026, 12, 1)
    ),
    ("E0037", "não existe no cadastro de convênio"): _registro(lambda r: r.convenios.pop("3550308")),
    ("E0038", "não está ATIVO"): _convenio("3550308", ativo=False),
    ("E0039", "emissores públicos nacionais"): _convenio("3550308", emissores_nacionais=False),
    ("E9996", "tomador ou intermediário"): _trocar("tpEmit", "2"),
    ("E0116", "deve ser informada"): _trocar("prest/IM", None),
    ("E0119", "não está autorizado"): _trocar("prest/IM", "7654321"),
    ("E0120", "não deve ser informada"): _contribuinte(opcao_simples="3", inscricoes={}),
    ("E0121", "nome do prestador"): _trocar("prest/xNome", "ALFA"),
    ("E0128", "endereço do prestador"): _trocar("prest/end/xLgr", "Rua"),
    ("E0148", "Email"): _trocar("prest/email", "sem-arroba"),
    ("E0160", "cadastro Simples Nacional"): _contribuinte(opcao_simples="1", inscricoes={"3550308": "1234567"}),
    ("E0162", "não pode ser informado"): _varios(NAO_OPTANTE, _trocar("prest/regTrib/regApTribSN", "1")),
    ("E0166", "deve ser informado"): _trocar("prest/regTrib/regApTribSN", None),
    ("E0172", "imune"): _varios(_trocar(TRIB + "tribISSQN", "2"), _trocar("prest/regTrib/regEspTrib", "6")),
    ("E0174", "MEI"): _varios(MEI, _trocar("prest/regTrib/regEspTrib", "5")),
    ("E0175", "ME/EPP"): _trocar("prest/regTrib/regEspTrib", "6"),
    ("E0177", "não admitido"): _varios(NAO_OPTANTE, _trocar("prest/regTrib/regEspTrib", "4")),
    ("E0188", "CNPJ"): _trocar("toma/CNPJ", "12345678000196"),
    ("E0202", "igual ao tomador"): _trocar("toma/CNPJ", "11222333000262"),
    ("E0204", "identificado por CNPJ ou CPF"): _varios(RETIDO, _trocar("toma/CNPJ", None), _trocar("toma/NIF", "123")),
    ("E0206", "CPF"): _varios(_trocar("toma/CNPJ", None), _trocar("toma/CPF", "52998224724")),
    ("E0234", "estabelecimento dele"): _varios(_trocar("serv/cServ/cTribNac", "170501"), _trocar("toma/end", None)),
    ("E0235", "CNPJ"): _trocar("toma/end", None),
    ("E0237", "retido"): _varios(RETIDO, _trocar("toma/end", None)),
    ("E0238", "município"): _trocar("toma/end/endNac/cMun", "3550309"),
    ("E0247", "Email"): _trocar("toma/email", "fin@cliente"),
    ("E0302", "local da prestação"): _trocar("serv/locPrest/cLocPrestacao", "1234567"),
    ("E0310", "inexistente"): _trocar("serv/cServ/cTribNac", "170199"),
    ("E0370", "obra"): _trocar("serv/cServ/cTribNac", "070201"),
    ("E0390", "Atividade/Evento"): _trocar("serv/cServ/cTribNac", "120101"),
    ("E0424", "valor recebido"): _trocar("valores/vServPrest/vReceb", "1500.00"),
    ("E0532", "99.01.01"): _trocar("serv/cServ/cTribNac", "990101"),
    ("E0580", "retenção"): _varios(RETIDO, _trocar(TRIB + "tribISSQN", "4"), _trocar(TRIB + "pAliq", "2.01")),
    ("E0583", "MEI"): _varios(MEI, RETIDO),
    ("E0588", "regime especial"): _varios(
        NAO_OPTANTE,
        _trocar("prest/regTrib/regEspTrib", "6"),
        RETIDO,
        _trocar(TOT + "pTotTribSN", None),
        _trocar(TOT + "indTotTrib", None),
    ),
    ("E0596", "220101"): _varios(_trocar("serv/cServ/cTribNac", "220101"), RETIDO, _trocar(TRIB + "pAliq", "2.01")),
    ("E0595", "superior a 5%"): _varios(RETIDO, _trocar(TRIB + "pAliq", "5.01")),
    ("E0600", "MEI"): _varios(MEI, _trocar(TRIB + "pAliq", "2.00")),
    ("E0602", "imune"): _varios(_trocar(TRIB + "tribISSQN", "3"), _trocar(TRIB + "pAliq", "2.00")),
    ("E0604", "regime especial"): _varios(
        NAO_OPTANTE, _trocar("prest/regTrib/regEspTrib", "6"), _trocar(TRIB + "pAliq", "2.00")
    ),
    ("E0617", "não optante"): _varios(NAO_OPTANTE, _trocar(TRIB + "pAliq", "2.00")),
    ("E0619", "não optante"): _varios(NAO_OPTANTE, EM_OUTRO_MUNICIPIO, _convenio("3304557", ativo=False)),
    ("E0621", "1,8%"): _varios(RETIDO, _trocar(TRIB + "pAliq", "1.50")),
    ("E0625", "sem retenção"): _trocar(TRIB + "pAliq", "2.01"),
    ("E0628", "não ATIVO"): _varios(EM_OUTRO_MUNICIPIO, RETIDO, _convenio("3304557", ativo=False)),
    ("E0631", "não ATIVO"): _varios(
        EM_OUTRO_MUNICIPIO, _convenio("3304557", ativo=False), _trocar(TRIB + "pAliq", "2.01")
    ),
    ("E0635", "fora do SN"): _varios(_trocar("prest/regTrib/regApTribSN", "2"), _trocar(TRIB + "pAliq", "3.00")),
    ("E0640", "fora do SN"): _varios(
        _trocar("prest/regTrib/regApTribSN", "3"), EM_OUTRO_MUNICIPIO, _convenio("3304557", ativo=False)
    ),
    ("E0676", "MEI"): _varios(MEI, _trocar("valores/trib/tribFed/vRetCP", "1.00")),
    ("E0702", "vTotTribFed"): _varios(
        _trocar(TOT + "pTotTribSN", None), _trocar(TOT + "vTotTrib/vTotTribFed", "1500.01")
    ),
    ("E0703", "vTotTribEst"): _varios(_trocar(TOT + "pTotTribSN", None), _trocar(TOT + "vTotTrib/vTotTribEst", "-1")),
    ("E0704", "vTotTribMun"): _varios(_trocar(TOT + "pTotTribSN", None), _trocar(TOT + "vTotTrib/vTotTribMun", "2000")),
    ("E0706", "pTotTribFed"): _varios(
        _trocar(TOT + "pTotTribSN", None), _trocar(TOT + "pTotTrib/pTotTribFed", "100.01")
    ),
    ("E0707", "pTotTribEst"): _varios(
        _trocar(TOT + "pTotTribSN", None), _trocar(TOT + "pTotTrib/pTotTribEst", "-0.01")
    ),
    ("E0708", "pTotTribMun"): _varios(_trocar(TOT + "pTotTribSN", None), _trocar(TOT + "pTotTrib/pTotTribMun", "101")),
    ("E0710", "pTotTribSN"): _varios(MEI, _trocar(TOT + "indTotTrib", None), _trocar(TOT + "pTotTribSN", "6.00")),
    ("E0712", "indTotTrib"): _varios(_trocar(TOT + "pTotTribSN", None), _trocar(TOT + "indTotTrib", "0")),
    ("E0713", "indTotTrib"): _varios(NAO_OPTANTE, _trocar(TOT + "pTotTribSN", None), _trocar(TOT + "indTotTrib", "0")),
    ("E0901", "indicador da operação"): _varios(IBSCBS, _trocar("IBSCBS/cIndOp", "999999")),
    ("E0903", "tpOper"): _varios(IBSCBS, _trocar("serv/cServ/cTribNac", "250501")),
    ("E0910", "destinatário"): _varios(IBSCBS, _trocar("IBSCBS/dest/CNPJ", "12345678000195")),
    ("E0931", "imóvel"): _varios(IBSCBS, _trocar("IBSCBS/cIndOp", "020101")),
    ("EXXX", "gLocBensMoveis"): _varios(IBSCBS, _trocar("serv/cServ/cTribNac", "990401")),
    ("EXXX", "CST"): _varios(IBSCBS, _trocar("IBSCBS/valores/trib/gIBSCBS/CST", "999")),
    ("EXXX", "cClassTrib"): _varios(IBSCBS, _trocar("IBSCBS/valores/trib/gIBSCBS/cClassTrib", "999999")),
    ("E0959", "não pertence ao grupo"): _varios(IBSCBS, _trocar("IBSCBS/valores/trib/gIBSCBS/cClassTrib", "000008")),
}
"""One breach per rule the fake Sefin enforces: (code, words of its message) → how an accepted DPS is changed."""


def test_every_rule_of_the_fake_sefin_has_a_breach_that_proves_it():
    """The list of codes the fake enforces, each proven by the case below (the closing note cites this list)."""
    assert {(regra.codigo, regra.mensagem) for regra in REGRAS} == {
        (regra.codigo, regra.mensagem) for regra in REGRAS for codigo, palavras in CASOS
        if regra.codigo == codigo and palavras.lower() in regra.mensagem.lower()
    }  # fmt: skip
    assert len(CASOS) == len(REGRAS)


@pytest.mark.parametrize(("codigo", "palavras"), list(CASOS))
def test_the_fake_sefin_refuses_each_breach_with_the_rules_code_and_message(codigo, palavras):
    """From a DPS the rules accept, one change breaks exactly the rule it targets (and no rule of another code)."""
    servico = _servico(codigo_servico="17.01", codigo_tributacao_nacional="170101")
    raiz = etree.fromstring(_montar(servico=servico, retrato=COM_ENDERECO))
    registros = _registros(regimes_especiais=frozenset("0123569"))
    assert conferir(raiz, registros, INSTANTE) == []
    CASOS[codigo, palavras](raiz, registros)
    recusas = conferir(raiz, registros, INSTANTE)
    assert any(c == codigo and palavras.lower() in m.lower() for c, m in recusas), recusas


def test_a_real_estate_operation_code_is_not_mistaken_for_the_service_code_that_shares_its_digits():
    """cTribNac 020101 (item 2.01) and cIndOp 020101 (imóvel) are different tables: only the cIndOp needs `imovel`."""
    servico = _servico(codigo_servico="02.01", codigo_tributacao_nacional="020101", cst_ibscbs="000",
                       cclass_trib="000001", cind_op="100301")  # fmt: skip
    assert _campo(_montar(servico=servico), "n:infDPS/n:IBSCBS/n:cIndOp") == "100301"
