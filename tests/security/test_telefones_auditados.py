"""An authorized WhatsApp number never appears, disappears or changes in the empresa form without a trace: the
inline phones (and services) edited with the empresa are in the audit trail, before → after."""

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.models import Auditoria, UsuarioEmpresa

from .. import factories
from ..conftest import csrf_de

FORMULARIO = {
    "razao_social": "Empresa A Ltda", "inscricao_municipal": "1234567", "codigo_municipio": "3550308", "uf": "SP",
    "logradouro": "Rua das Flores", "numero": "100", "bairro": "Centro", "cep": "01001-000",
    "regime": "simples_nacional", "regime_especial": "nenhum", "aliquota_simples_iss": "2,01",
    "ambiente": "homologacao", "serie_rps": "1", "numero_rps": "1", "ativa": "y",
}  # fmt: skip


def editar(client, empresa, **campos):
    url = f"/admin/empresas/edit/?id={empresa.id}"
    servico = empresa.servicos[0]
    dados = {**FORMULARIO, "cnpj": empresa.cnpj, "csrf_token": csrf_de(client.get(url).get_data(as_text=True)),
             "servicos-0-id": servico.id, "servicos-0-codigo_servico": "17.01", "servicos-0-aliquota_iss": "2",
             "servicos-0-codigo_tributacao_nacional": "170101", "servicos-0-padrao": "y", **campos}  # fmt: skip
    resposta = client.post(url, data=dados)
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[-2000:]


def ultima_edicao(empresa) -> dict:
    db.session.expire_all()
    linha = db.session.scalars(
        sa.select(Auditoria).where(Auditoria.objeto == "empresa", Auditoria.objeto_id == empresa.id)
        .order_by(Auditoria.id.desc())
    ).first()  # fmt: skip
    assert linha.acao == "editar"
    return linha.mudancas or {}


def test_phones_added_deactivated_and_removed_inline_are_each_audited(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    [antigo] = empresa.telefones
    segundo = factories.telefone(db.session, empresa, "5511977776666")
    db.session.commit()
    auth.login("admin@a.com")
    editar(
        client, empresa,
        **{"telefones-0-id": antigo.id, "telefones-0-telefone": antigo.telefone, "telefones-0-nome": "Dona",
           "telefones-1-id": segundo.id, "telefones-1-telefone": segundo.telefone, "del-telefones-1": "y",
           "telefones-2-telefone": "(21) 99888-7777", "telefones-2-nome": "Novo", "telefones-2-ativo": "y"},
    )  # fmt: skip
    mudancas = ultima_edicao(empresa)
    assert mudancas[f"Telefone autorizado Dona {antigo.telefone}: Ativo"] == ["Sim", "Não"]
    assert mudancas[f"Telefone autorizado Dona {antigo.telefone}: Nome"] == ["", "Dona"]
    assert mudancas["Telefone autorizado 5511977776666"] == ["5511977776666", "removido"]
    assert mudancas["Telefone autorizado Novo 5521998887777"] == ["", "incluído"]
    numeros = set(db.session.scalars(sa.select(UsuarioEmpresa.telefone).where(UsuarioEmpresa.empresa_id == empresa.id)))
    assert numeros == {antigo.telefone, "5521998887777"}


def test_an_inline_service_rate_change_is_audited(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    [telefone] = empresa.telefones
    auth.login("admin@a.com")
    editar(client, empresa, **{"servicos-0-aliquota_iss": "3,5", "telefones-0-id": telefone.id,
                               "telefones-0-telefone": telefone.telefone, "telefones-0-ativo": "y"})  # fmt: skip
    mudancas = ultima_edicao(empresa)
    [(rotulo, valores)] = [(k, v) for k, v in mudancas.items() if k.startswith("Serviço")]
    assert rotulo.endswith("Alíquota do ISS (%)") and valores == ["2", "3,5"]
