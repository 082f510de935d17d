"""The audit trail: every change an accountant makes — create, edit, delete, deactivate, replay, cancel, certificate,
CSV import, users and passwords — is kept with who, when and what changed, append-only, per firm."""

import io
import json

import pytest
import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Auditoria, Empresa, NFSe, StatusNFSe
from agentnfe.models.auditoria import AuditoriaImutavel

from . import factories
from .certs import gerar_pfx
from .conftest import SENHA
from .test_admin_convencoes import texto_visivel
from .test_admin_paginas import importar_pelo_painel


def linhas(**filtro) -> list[Auditoria]:
    db.session.expire_all()
    consulta = sa.select(Auditoria).order_by(Auditoria.id)
    for campo, valor in filtro.items():
        consulta = consulta.where(getattr(Auditoria, campo) == valor)
    return list(db.session.scalars(consulta))


def test_an_edit_is_kept_with_who_when_and_each_change_as_read(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    auth.login("contador@a.com")
    url = f"/admin/empresas/edit/?id={empresa.id}"
    pagina = client.get(url).get_data(as_text=True)
    from .conftest import csrf_de
    from .test_admin_fiscal import NOVA

    dados = {**NOVA, "cnpj": empresa.cnpj, "razao_social": "Empresa A Renomeada Ltda", "aliquota_simples_iss": "2,5",
             "csrf_token": csrf_de(pagina)}  # fmt: skip
    assert client.post(url, data=dados).status_code == 302
    [linha] = linhas(objeto="empresa", objeto_id=empresa.id)
    assert (linha.usuario, linha.acao, linha.contabilidade_id) == ("contador@a.com", "editar", empresa.contabilidade_id)
    assert linha.mudancas["Razão social"] == ["Empresa A Ltda", "Empresa A Renomeada Ltda"]
    assert linha.mudancas["Alíquota efetiva do Simples (ISS, %)"][1] == "2,5"
    detalhe = texto_visivel(client.get(f"/admin/empresas/details/?id={empresa.id}").get_data(as_text=True))
    assert "Histórico de alterações" in detalhe and "Empresa A Ltda → Empresa A Renomeada Ltda" in detalhe
    lista = texto_visivel(client.get("/admin/auditoria/").get_data(as_text=True))
    assert "contador@a.com" in lista and "Editar" in lista and "Empresa A Renomeada Ltda" in lista


def test_creating_and_deleting_are_kept_and_a_refused_delete_leaves_nothing(client, auth, firmas):
    auth.login("admin@a.com")
    from .conftest import csrf_de

    token = csrf_de(client.get("/admin/telefones/new/").get_data(as_text=True))
    dados = {"csrf_token": token, "empresa": firmas["a"]["empresa"].id, "telefone": "11 98765-1111", "ativo": "y"}
    assert client.post("/admin/telefones/new/", data=dados).status_code == 302
    [criado] = linhas(objeto="telefone")
    assert criado.acao == "criar" and criado.mudancas["Telefone"][1] == "5511987651111"
    client.post("/admin/telefones/delete/", data={"id": criado.objeto_id, "csrf_token": token})
    assert [a.acao for a in linhas(objeto="telefone")] == ["criar", "excluir"]

    empresa = firmas["a"]["empresa"]
    factories.nota(db.session, empresa)
    db.session.commit()
    client.post("/admin/empresas/delete/", data={"id": empresa.id, "csrf_token": token})
    assert linhas(objeto="empresa") == []  # refused: the line went with the rolled-back delete


def test_bulk_actions_keep_the_user_per_record(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    pendente = factories.nota(db.session, empresa, status=StatusNFSe.ERRO)
    autorizada = factories.nota(db.session, empresa, status=StatusNFSe.CONCLUIDA, numero="77", gateway_id="mock-77")
    db.session.commit()
    auth.login("admin@a.com")
    token = auth.csrf("/admin/empresas/")
    client.post("/admin/empresas/action/", data={"action": "desativar", "rowid": [empresa.id], "csrf_token": token})
    client.post("/admin/notas/action/", data={"action": "reemitir", "rowid": [pendente.id], "csrf_token": token})
    motivo = "Serviço não foi prestado ao cliente"
    client.post(
        "/admin/notas/cancelamento/", data={"csrf_token": token, "ids": autorizada.id, "codigo": "2", "motivo": motivo}
    )
    [desativar] = linhas(acao="desativar")
    assert desativar.usuario == "admin@a.com" and desativar.mudancas == {"Ativa": ["Sim", "Não"]}
    [reemitir] = linhas(acao="reemitir")
    assert (reemitir.objeto, reemitir.objeto_id, reemitir.usuario) == ("nota", pendente.id, "admin@a.com")
    [cancelar] = linhas(acao="cancelar")
    assert cancelar.usuario == "admin@a.com" and "código 2 (serviço não prestado)" in cancelar.descricao
    assert motivo in cancelar.descricao


def test_a_certificate_upload_is_kept_without_its_password(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    auth.login("admin@a.com")
    token = auth.csrf("/admin/certificados/new/")
    dados = {"csrf_token": token, "empresa_id": str(empresa.id), "senha": "senha-do-cert",
             "arquivo": (io.BytesIO(gerar_pfx(empresa.cnpj)), "a1.pfx")}  # fmt: skip
    resposta = client.post("/admin/certificados/new/", data=dados, content_type="multipart/form-data")
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-800:]
    [linha] = linhas(acao="certificado")
    assert linha.usuario == "admin@a.com" and empresa.razao_social in linha.descricao
    guardado = json.dumps([a.descricao for a in linhas()] + [a.mudancas for a in linhas()], ensure_ascii=False)
    assert "senha-do-cert" not in guardado


def test_user_changes_and_password_changes_are_kept_without_secrets(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/conta/senha")
    nova = "uma-senha-nova-bem-longa"
    client.post("/conta/senha", data={"csrf_token": token, "atual": SENHA, "nova": nova, "confirmacao": nova})
    [linha] = linhas(acao="senha")
    assert linha.usuario == "contador@a.com" and nova not in json.dumps(linha.mudancas or {})
    assert "trocou a própria senha" in linha.descricao


def test_the_csv_import_is_kept_from_the_admin_and_from_the_command_line(client, auth, firmas, runner, tmp_path):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/importar/")
    cabecalho = ("contabilidade,cnpj,razao_social,inscricao_municipal,codigo_municipio,uf,regime,codigo_servico,"
                 "aliquota_iss,telefones\n")  # fmt: skip
    csv = cabecalho + "Firma A,11444777000161,Nova Ltda,123,3550308,SP,simples_nacional,1.07,2,11987654321\n"
    importar_pelo_painel(client, token, csv.encode(), "empresas.csv")
    arquivo = tmp_path / "lote.csv"
    arquivo.write_text(cabecalho + "Firma A,06990590000123,Outra Ltda,9,3550308,SP,lucro_presumido,1.07,3,\n")
    runner.invoke(args=["import-empresas", str(arquivo)])
    [admin, cli] = linhas(acao="importar")
    assert admin.usuario == "admin@a.com" and "empresas.csv" in admin.descricao and "1 criadas" in admin.descricao
    assert cli.usuario == "linha de comando" and cli.origem == "cli" and "lote.csv" in cli.descricao


def test_the_trail_is_append_only(app, firmas):
    from agentnfe import auditoria

    auditoria.registrar(db.session, "editar", "empresa", firmas["a"]["empresa"].id, "teste")
    db.session.commit()
    [linha] = linhas()
    linha.descricao = "outra coisa"
    with pytest.raises(AuditoriaImutavel):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Auditoria, linha.id))
    with pytest.raises(AuditoriaImutavel):
        db.session.commit()
    db.session.rollback()
    assert linhas()[0].descricao == "teste"


def test_each_firm_reads_only_its_own_trail(client, auth, firmas):
    from agentnfe import auditoria

    for firma in ("a", "b"):
        empresa = firmas[firma]["empresa"]
        auditoria.registrar(db.session, "editar", "empresa", empresa.id, f"alteração da firma {firma}",
                            contabilidade_id=empresa.contabilidade_id)  # fmt: skip
    db.session.commit()
    auth.login("admin@a.com")
    texto = texto_visivel(client.get("/admin/auditoria/").get_data(as_text=True))
    assert "alteração da firma a" in texto and "alteração da firma b" not in texto
    assert db.session.scalar(sa.select(sa.func.count(NFSe.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Empresa.id))) == 2


def test_every_act_has_a_name_in_the_list_and_an_unnamed_one_is_refused(client, auth, firmas):
    from agentnfe import auditoria

    empresa = firmas["a"]["empresa"]
    auditoria.registrar(
        db.session, "emitir", "nota", 1, "Nota emitida pelo painel", contabilidade_id=empresa.contabilidade_id
    )
    db.session.commit()
    auth.login("admin@a.com")
    texto = texto_visivel(client.get("/admin/auditoria/").get_data(as_text=True))
    assert "Emitir" in texto and "emitir" not in texto.split("Nota emitida")[0].split("Mudanças", 1)[-1]
    with pytest.raises(ValueError, match="unknown act"):
        auditoria.registrar(db.session, "apagar", "nota", 1, "x")


def test_an_inline_services_rate_and_a_notes_correction_are_kept_before_and_after(client, auth, firmas):
    from .conftest import csrf_de
    from .test_admin_fiscal import NOVA

    empresa = firmas["a"]["empresa"]
    servico = empresa.servicos[0]
    auth.login("contador@a.com")
    url = f"/admin/empresas/edit/?id={empresa.id}"
    dados = {**NOVA, "cnpj": empresa.cnpj, "razao_social": empresa.razao_social, "aliquota_simples_iss": "2,01",
             "servicos-0-id": servico.id, "servicos-0-codigo_servico": servico.codigo_servico,
             "servicos-0-codigo_tributacao_nacional": servico.codigo_tributacao_nacional,
             "servicos-0-aliquota_iss": "3,5", "csrf_token": csrf_de(client.get(url).get_data(as_text=True))}  # fmt: skip
    assert client.post(url, data=dados).status_code == 302
    [linha] = linhas(objeto="empresa", objeto_id=empresa.id)
    alteracoes = json.dumps(linha.mudancas, ensure_ascii=False)
    assert "Alíquota do ISS (%)" in alteracoes and "3,5" in alteracoes  # the inline service's rate, before → after

    nota = factories.nota(db.session, empresa, status=StatusNFSe.REJEITADA, descricao="Consultoria errada")
    db.session.commit()
    url = f"/admin/notas/edit/?id={nota.id}"
    token = csrf_de(client.get(url).get_data(as_text=True))
    corrigida = {"csrf_token": token, "descricao": "Consultoria de março, corrigida", "valor": "1.500,00",
                 "competencia": "03/2026", "nome_tomador": ""}  # fmt: skip
    assert client.post(url, data=corrigida).status_code == 302
    [edicao] = linhas(objeto="nota", objeto_id=nota.id)
    assert edicao.acao == "editar" and edicao.mudancas
    assert edicao.mudancas["Descrição"] == ["Consultoria errada", "Consultoria de março, corrigida"]


def test_the_first_run_creation_of_the_firm_and_its_admin_is_in_the_trail(make_app):
    from admin import desktop as paginas

    from .conftest import csrf_de

    app = make_app()
    paginas.init_app(app, encerrar=lambda: None)
    app.config[paginas.TOKEN] = "chave-de-teste"
    with app.app_context():
        cliente = app.test_client()
        pagina = cliente.get("/primeiro-acesso?token=chave-de-teste").get_data(as_text=True)
        resposta = cliente.post("/primeiro-acesso", data={
            "csrf_token": csrf_de(pagina), "token": "chave-de-teste", "contabilidade": "Contabilidade Silva",
            "email": "ana@silva.com.br", "senha": SENHA, "confirmacao": SENHA,
        })  # fmt: skip
        assert resposta.status_code == 302
        [linha] = linhas(objeto="usuario")
        assert (linha.acao, linha.usuario) == ("criar", "ana@silva.com.br") and linha.contabilidade_id is not None
        assert "Primeiro acesso: contabilidade Contabilidade Silva" in linha.descricao
