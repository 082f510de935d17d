"""Where the ISS is due, per national service code, as the official table says (LC 116/2003 art. 3º), and the
espelho saying it: "ISS devido em: …"."""

import pytest

from agentnfe.fiscal.incidencia import Regra, incidencia, regra
from agentnfe.infra.extensions import db
from agentnfe.models import ClienteTomador, FonteTomador, TipoDocumento

from .conftest import TELEFONE


@pytest.mark.parametrize(
    "ctribnac, esperada",
    [
        ("010101", Regra.PRESTADOR),  # software: the general rule (art. 3º caput)
        ("170101", Regra.PRESTADOR),
        ("070201", Regra.LOCAL_DA_PRESTACAO),  # construção civil (art. 3º III)
        ("110201", Regra.LOCAL_DA_PRESTACAO),  # vigilância (art. 3º XII)
        ("200101", Regra.LOCAL_DA_PRESTACAO),  # portos: never "águas marítimas" (art. 3º § 3º)
        ("170501", Regra.TOMADOR),  # mão de obra (art. 3º XX)
        ("990101", Regra.SEM_INCIDENCIA),
    ],
)
def test_the_official_table_decides_per_national_code(ctribnac, esperada):
    assert regra(ctribnac) is esperada


def test_without_a_national_code_the_lc116_subitem_decides_and_else_the_general_rule():
    assert regra(None, "07.02") is Regra.LOCAL_DA_PRESTACAO and regra("", "01.07") is Regra.PRESTADOR
    assert regra("123456", "99.99") is Regra.PRESTADOR


def test_the_municipio_follows_the_rule():
    assert incidencia(Regra.PRESTADOR, "3550308", "3304557", "4106902").municipio == "3550308"
    assert incidencia(Regra.LOCAL_DA_PRESTACAO, "3550308", "3304557", None).municipio == "3304557"
    assert incidencia(Regra.LOCAL_DA_PRESTACAO, "3550308", None, None).municipio == "3550308"
    assert incidencia(Regra.TOMADOR, "3550308", None, "4106902").municipio == "4106902"
    assert incidencia(Regra.TOMADOR, "3550308", None, None).municipio is None
    assert incidencia(Regra.SEM_INCIDENCIA, "3550308", None, None).municipio is None


def com_servico(empresa, codigo_servico: str, ctribnac: str) -> None:
    servico = empresa.servicos[0]
    servico.codigo_servico, servico.codigo_tributacao_nacional = codigo_servico, ctribnac
    db.session.commit()


def test_the_espelho_says_where_the_iss_is_due(whatsapp, alfa):
    assert "ISS devido em: São Paulo/SP (município do prestador)" in whatsapp.enviar(
        "nota de 1500 para 12.345.678/0001-95 consultoria"
    )
    whatsapp.enviar("nova nota")
    com_servico(alfa, "17.05", "170501")
    db.session.add(ClienteTomador(documento="12345678000195", tipo_documento=TipoDocumento.CNPJ,
                                  razao_social="Cliente Curitiba Ltda", codigo_municipio="4106902",
                                  fonte=FonteTomador.BRASILAPI))  # fmt: skip
    db.session.commit()
    espelho = whatsapp.enviar("nota de 1500 para 12.345.678/0001-95 fornecimento de mão de obra", telefone=TELEFONE)
    assert "ISS devido em: Curitiba/PR (município do tomador)" in espelho
