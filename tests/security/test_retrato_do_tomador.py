"""Each note keeps the tomador's name it was asked with: five notes to one CPF with five names, sent after all
five were typed, go out with their own names, and the month-end spreadsheet shows each note's name."""

import csv
import io
import re
import zipfile
from datetime import date

import sqlalchemy as sa

import tasks.emissao
from agentnfe.emission import fechamento
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import NFSe, StatusNFSe

from .. import test_admin_tarefas
from ..conftest import csrf_de, run_scheduled

NOMES = ["Ana Lima", "Bruno Costa", "Carla Dias", "Davi Reis", "Eva Moura"]


app = test_admin_tarefas.app  # the firms' app with the Receita and WhatsApp at hand (a fixture)


def emitir_pelo_painel(client, token, empresa_id, nome):
    dados = {"csrf_token": token, "empresa": empresa_id, "documento": "529.982.247-25", "nome": nome,
             "valor": "100,00", "descricao": f"Aula para {nome}"}  # fmt: skip
    espelho = client.post("/admin/emitir/", data=dados).get_data(as_text=True)
    conferido = re.search(r'name="conferido" value="([^"]+)"', espelho).group(1)
    assert client.post("/admin/emitir/", data={**dados, "conferido": conferido, "confirmar": "1"}).status_code == 302


def test_notes_queued_together_go_out_with_their_own_names(client, auth, firmas, monkeypatch, tmp_path):
    fila = []
    enviar = tasks.emissao.emit_nfse
    monkeypatch.setattr(tasks.emissao, "emit_nfse", lambda nfse_id, **k: fila.append(nfse_id))
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    token = csrf_de(client.get(f"/admin/emitir/?empresa={empresa.id}").get_data(as_text=True))
    for nome in NOMES:
        emitir_pelo_painel(client, token, empresa.id, nome)
    assert len(fila) == 5
    for nfse_id in fila:  # the worker reaches them only now, after the fifth was typed
        enviar(nfse_id)
    run_scheduled()
    db.session.expire_all()
    notas = db.session.scalars(sa.select(NFSe).order_by(NFSe.id)).all()
    assert [n.status for n in notas] == [StatusNFSe.CONCLUIDA] * 5
    assert [n.tomador_dados["nome"] for n in notas] == NOMES
    assert [n.payload[0]["tomador"]["razaoSocial"] for n in notas] == NOMES  # what the gateway received

    mes = relogio.hoje().replace(day=1)
    pacote = fechamento.gerar(empresa.id, date(mes.year, mes.month, 1), tmp_path)
    texto = zipfile.ZipFile(pacote.arquivo).read("notas.csv").decode("utf-8").lstrip("\ufeff")
    linhas = list(csv.DictReader(io.StringIO(texto), delimiter=";"))
    assert sorted(linha["tomador_nome"] for linha in linhas) == NOMES


def test_the_correction_form_changes_the_name_of_that_note_only(client, auth, firmas, monkeypatch):
    monkeypatch.setattr(tasks.emissao, "emit_nfse", lambda nfse_id, **k: None)
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    token = csrf_de(client.get(f"/admin/emitir/?empresa={empresa.id}").get_data(as_text=True))
    for nome in NOMES[:2]:
        emitir_pelo_painel(client, token, empresa.id, nome)
    primeira, segunda = db.session.scalars(sa.select(NFSe).order_by(NFSe.id)).all()
    pagina = client.get(f"/admin/notas/edit/?id={primeira.id}").get_data(as_text=True)
    assert 'value="Ana Lima"' in pagina
    resposta = client.post(
        f"/admin/notas/edit/?id={primeira.id}",
        data={"csrf_token": csrf_de(pagina), "nome_tomador": "Ana Lima Souza", "descricao": "Aula", "valor": "100,00",
              "competencia": f"{relogio.hoje():%m/%Y}", "codigo_municipio_prestacao": ""},
    )  # fmt: skip
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(NFSe, primeira.id).tomador_dados["nome"] == "Ana Lima Souza"
    assert db.session.get(NFSe, segunda.id).tomador_dados["nome"] == "Bruno Costa"
