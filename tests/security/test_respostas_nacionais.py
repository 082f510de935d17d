"""What the national API answers is data from outside: a gzip that expands without end is refused before it fills
memory, and an nNFSe that is not a number never becomes a note's number (nor a file name in the month-end ZIP)."""

import zipfile
from datetime import date

import pytest

from agentnfe.emission import fechamento
from agentnfe.emission.gateways import nacional as gateway_nacional
from agentnfe.infra.extensions import db
from agentnfe.models import StatusNFSe

from .. import factories
from .. import test_nacional_gateway as nacional_gateway
from ..test_nacional_gateway import nota, pedir_e_confirmar

pytestmark = pytest.mark.relogio_real  # the national gateway's TLS certificates are checked on the machine's clock

ac, sefin, nacional = nacional_gateway.ac, nacional_gateway.sefin, nacional_gateway.nacional  # its fixtures


def emitir(app, evolution):
    pedir_e_confirmar(app, evolution)
    return nota()


def test_a_gzip_bomb_in_the_answer_is_refused_without_unpacking_it(nacional, sefin, evolution):
    enchimento = b" " * (64 * 2**20)  # 64 MiB of blanks inside a well-formed NFS-e: 64 KiB compressed
    sefin.nfse_hostil = lambda xml: xml.replace(b"</NFSe>", enchimento + b"</NFSe>")
    registro = emitir(nacional, evolution)
    assert registro.status is not StatusNFSe.CONCLUIDA and registro.numero is None
    assert f"expands beyond {gateway_nacional.MAXIMO_XML // 1024} KB" in (registro.mensagem_erro or ""), (
        registro.mensagem_erro
    )


@pytest.mark.parametrize("numero", ["../../etc/x", "12/34", "0", "1" * 14, "１２"])
def test_a_number_that_is_not_an_nnfse_never_becomes_the_notes_number(nacional, sefin, evolution, numero):
    sefin.nfse_hostil = lambda xml: xml.replace(b"<nNFSe>1</nNFSe>", f"<nNFSe>{numero}</nNFSe>".encode())
    registro = emitir(nacional, evolution)
    assert registro.status is not StatusNFSe.CONCLUIDA and registro.numero is None
    assert "nNFSe is not a number" in (registro.mensagem_erro or "")


def test_a_gateway_number_with_path_characters_names_no_path_in_the_month_end_zip(app, firmas, tmp_path):
    empresa = firmas["a"]["empresa"]
    factories.nota(db.session, empresa, status=StatusNFSe.CONCLUIDA, numero="../../fora", competencia=date(2026, 10, 1),
                   gateway_id="gw-1")  # fmt: skip
    db.session.commit()
    pacote = fechamento.gerar(empresa.id, date(2026, 10, 1), tmp_path)
    nomes = zipfile.ZipFile(pacote.arquivo).namelist()
    assert nomes and all(".." not in nome and nome.count("/") <= 1 for nome in nomes), nomes
    assert "xml/______fora.xml" in nomes
