"""Registers of a firm: empresas and their fiscal profile, authorized phones, tomadores."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, request
from flask_admin.actions import action
from flask_admin.helpers import is_form_submitted
from markupsafe import Markup
from sqlalchemy.orm import joinedload, undefer
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired

from agentnfe import rotulos
from agentnfe.cadastro import harmonizar
from agentnfe.extensions import db
from agentnfe.fiscal import (
    formatar_documento,
)
from agentnfe.models import (
    ClienteTomador,
    Contabilidade,
    Empresa,
    EmpresaClienteTomador,
    NFSe,
    ServicoEmpresa,
    UsuarioEmpresa,
)

from .. import validacao
from ..acesso import Escopada, contabilidade_id, escreve, usuario
from ..campos import CampoAliquota, CampoTelefone
from .comum import (
    AMBIENTES,
    REGIMES,
    REGIMES_ESPECIAIS,
    PorEmpresa,
    cnpj_valido,
    documento_formatado,
    empresas_do_usuario,
    endereco_resumido,
    validade,
)


def _firma_do_operador() -> int:
    """An operator without a firm creating an empresa files it under the first firm (there is one at least)."""
    primeira = db.session.scalar(sa.select(Contabilidade.id).order_by(Contabilidade.id))
    if primeira is None:
        raise ValidationError("Crie uma contabilidade antes (python -m agentnfe create-contabilidade).")
    return primeira


class EmpresaView(Escopada):
    objeto_auditado = "empresa"
    column_list = (
        "cnpj",
        "razao_social",
        "codigo_municipio",
        "uf",
        "regime",
        "logradouro",
        "certificado_ate",
        "telefones_ativos",
        "ativa",
    )
    column_labels = {
        "cnpj": "CNPJ", "razao_social": "Razão social", "nome_fantasia": "Nome fantasia", "codigo_municipio": "Município (IBGE)",
        "uf": "UF", "regime": "Regime", "certificado_ate": "Certificado até", "telefones_ativos": "Telefones",
        "ativa": "Ativa", "inscricao_municipal": "Inscrição municipal", "cep": "CEP", "email": "E-mail",
        "contabilidade": "Contabilidade", "servicos": "Serviços", "telefones": "Telefones autorizados",
        "logradouro": "Endereço", "numero": "Número", "complemento": "Complemento", "bairro": "Bairro",
        "telefone": "Telefone da empresa", "regime_especial": "Regime especial", "incentivo_fiscal": "Incentivo fiscal",
        "aliquota_simples_iss": "Alíquota efetiva do Simples (ISS, %)", "ambiente": "Ambiente de emissão",
        "serie_rps": "Série do RPS", "numero_rps": "Próximo número do RPS",
    }  # fmt: skip
    column_descriptions = {
        "aliquota_simples_iss": "Só Simples Nacional: a alíquota efetiva do mês anterior, usada quando o tomador retém o ISS.",
        "numero_rps": "Informado ao gateway quando a empresa é cadastrada lá (continua a sequência da prefeitura).",
    }  # fmt: skip
    column_details_list = (
        "cnpj", "razao_social", "nome_fantasia", "inscricao_municipal", "codigo_municipio", "uf", "logradouro",
        "numero", "complemento", "bairro", "cep", "email", "telefone", "regime", "regime_especial", "incentivo_fiscal",
        "aliquota_simples_iss", "ambiente", "serie_rps", "numero_rps", "cadastrada_gateway_em", "ativa",
    )  # fmt: skip
    column_formatters = {"cnpj": documento_formatado, "certificado_ate": validade, "logradouro": endereco_resumido}
    column_searchable_list = ("cnpj", "razao_social")
    column_filters = ("regime", "ativa", "uf")
    column_default_sort = "razao_social"
    form_columns = (
        "cnpj", "razao_social", "nome_fantasia", "inscricao_municipal", "codigo_municipio", "uf", "logradouro", "numero",
        "complemento", "bairro", "cep", "email", "telefone", "regime", "regime_especial", "incentivo_fiscal",
        "aliquota_simples_iss", "ambiente", "serie_rps", "numero_rps", "ativa",
    )  # fmt: skip
    form_extra_fields = {
        "cnpj": StringField("CNPJ", validators=[DataRequired("Informe o CNPJ."), cnpj_valido]),
        # typed as people type them ("01310-100", "2,79"); agentnfe.cadastro cleans and checks them
        "cep": StringField("CEP"),
        "telefone": StringField("Telefone da empresa"),
        "aliquota_simples_iss": CampoAliquota("Alíquota efetiva do Simples (ISS, %)"),
    }
    form_overrides = {"regime": SelectField, "regime_especial": SelectField, "ambiente": SelectField}
    form_args = {
        "regime": {"choices": REGIMES},
        "regime_especial": {"choices": REGIMES_ESPECIAIS, "default": "nenhum"},
        "ambiente": {"choices": AMBIENTES, "default": "homologacao"},
    }
    inline_models = (
        (
            ServicoEmpresa,
            {
                "form_columns": (
                    "id",
                    "codigo_servico",
                    "descricao",
                    "aliquota_iss",
                    "iss_retido",
                    "palavras_chave",
                    "cnae",
                    "codigo_tributacao_municipal",
                    "codigo_tributacao_nacional",
                    "nbs",
                    "cst_ibscbs",
                    "cclass_trib",
                    "padrao",
                ),
                "form_label": "Serviço",
                "form_extra_fields": {
                    "aliquota_iss": CampoAliquota("Alíquota do ISS (%)"),
                    "cnae": StringField("CNAE"),
                    "codigo_tributacao_nacional": StringField("Código de tributação nacional (6 dígitos)"),
                    "nbs": StringField("NBS (9 dígitos)"),
                    "cst_ibscbs": StringField("CST do IBS/CBS"),
                    "cclass_trib": StringField("cClassTrib do IBS/CBS"),
                },
                "column_labels": {
                    "codigo_servico": "Item da LC 116 (ex. 01.07)",
                    "descricao": "Descrição",
                    "aliquota_iss": "Alíquota do ISS (%)",
                    "iss_retido": "ISS retido pelo tomador",
                    "palavras_chave": "Palavras-chave",
                    "cnae": "CNAE",
                    "codigo_tributacao_municipal": "Código de tributação municipal",
                    "codigo_tributacao_nacional": "Código de tributação nacional (6 dígitos)",
                    "nbs": "NBS (9 dígitos)",
                    "cst_ibscbs": "CST do IBS/CBS",
                    "cclass_trib": "cClassTrib do IBS/CBS",
                    "padrao": "Padrão",
                },  # fmt: skip
            },
        ),
        (
            UsuarioEmpresa,
            {
                "form_columns": ("id", "telefone", "nome", "ativo"),
                "form_label": "Telefone autorizado",
                "form_extra_fields": {"telefone": CampoTelefone("Telefone (WhatsApp)")},
            },
        ),
    )

    def filtrar(self, query, contabilidade):
        return query.filter(Empresa.contabilidade_id == contabilidade)

    def get_query(self):
        return super().get_query().options(undefer(Empresa.telefones_ativos), undefer(Empresa.certificado_ate))

    def on_model_delete(self, model):
        if db.session.scalar(sa.select(NFSe.id).where(NFSe.empresa_id == model.id).limit(1)) is not None:
            raise ValidationError(
                f"{model.razao_social} tem notas emitidas e não pode ser excluída; desative-a (ação “Desativar”)."
            )

    def is_action_allowed(self, name):
        return escreve() and super().is_action_allowed(name)

    @action("desativar", "Desativar", "Desativar as empresas selecionadas? Os telefones delas deixam de emitir.")
    def desativar(self, ids):
        self._ativar(ids, False)

    @action("reativar", "Reativar", "Reativar as empresas selecionadas?")
    def reativar(self, ids):
        self._ativar(ids, True)

    def _ativar(self, ids, ativa: bool) -> None:
        empresas = self.escopados(ids)
        acao = "reativar" if ativa else "desativar"
        for empresa in empresas:
            mudancas = {"Ativa": [rotulos.sim_nao(empresa.ativa), rotulos.sim_nao(ativa)]}
            empresa.ativa = ativa
            self.auditar(acao, empresa, f"{self.name}: {acao} {empresa}", mudancas)
        db.session.commit()
        flash(f"{len(empresas)} empresa(s) {'reativada' if ativa else 'desativada'}(s).", "success")

    def validate_form(self, form):
        """The CSV import's rules, with each problem beside its field."""
        valido = super().validate_form(form)
        if not hasattr(form, "regime") or not is_form_submitted():
            return valido
        g.empresa_limpa = validacao.empresa(form)
        return valido and g.empresa_limpa is not None

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.contabilidade_id = contabilidade_id() or usuario().contabilidade_id or _firma_do_operador()
        for campo, valor in (g.get("empresa_limpa") or {}).items():
            if campo != "cnpj":
                setattr(model, campo, valor)
        harmonizar(model)
        validacao.limpar_servicos(model)


class TelefoneView(PorEmpresa):
    objeto_auditado = "telefone"
    column_list = ("empresa", "telefone", "nome", "ativo")
    column_details_list = column_list
    column_labels = {"empresa": "Empresa", "telefone": "Telefone", "nome": "Nome", "ativo": "Ativo"}
    column_searchable_list = ("telefone", "nome")
    form_columns = ("empresa", "telefone", "nome", "ativo")
    form_extra_fields = {
        "telefone": CampoTelefone("Telefone (WhatsApp)", validators=[InputRequired("Informe o telefone.")])
    }
    form_args = {"empresa": {"query_factory": empresas_do_usuario, "validators": [DataRequired()]}}

    def get_query(self):
        return super().get_query().options(joinedload(UsuarioEmpresa.empresa))


class TomadorView(Escopada):
    """The Receita's registry of tomadores (BrasilAPI), shared by every firm: read only, refreshed on demand."""

    somente_leitura = True
    column_list = ("documento", "razao_social", "municipio", "uf", "situacao_cadastral", "fonte", "atualizado_em")
    column_details_list = (
        "documento", "razao_social", "nome_fantasia", "logradouro", "numero", "complemento", "bairro", "cep",
        "municipio", "codigo_municipio", "uf", "situacao_cadastral", "fonte", "atualizado_em",
    )  # fmt: skip
    column_export_list = column_details_list
    column_labels = {
        "documento": "CPF/CNPJ", "razao_social": "Razão social", "municipio": "Município", "uf": "UF",
        "situacao_cadastral": "Situação", "fonte": "Fonte", "atualizado_em": "Atualizado em", "email": "E-mail",
        "codigo_municipio": "Município (IBGE)",
    }  # fmt: skip
    column_formatters = {"documento": documento_formatado}
    column_searchable_list = ("documento", "razao_social")
    column_filters = ("fonte", "situacao_cadastral", "uf")
    can_export = True

    def is_action_allowed(self, name):
        return escreve() and super().is_action_allowed(name)

    def filtrar(self, query, contabilidade):
        vinculo = (
            sa.select(EmpresaClienteTomador.id)
            .join(Empresa)
            .where(EmpresaClienteTomador.tomador_id == ClienteTomador.id, Empresa.contabilidade_id == contabilidade)
        )
        return query.filter(vinculo.exists())

    @action("brasilapi", "Atualizar pela BrasilAPI", "Consultar de novo a BrasilAPI para os tomadores selecionados?")
    def atualizar(self, ids):
        from tasks.emissao import refresh_tomador

        tomadores = self.escopados(ids)
        for tomador in tomadores:
            refresh_tomador(tomador.id)
        flash(f"{len(tomadores)} tomador(es) na fila para consulta na BrasilAPI.", "success")


def _tomador_do_vinculo(view, context, model, name):
    registro = model.tomador
    return Markup("{} <small class='text-muted'>{}</small>").format(
        formatar_documento(registro.documento), registro.razao_social or ""
    )


class TomadorEmpresaView(PorEmpresa):
    """What the firm says about each tomador of an empresa: name, the e-mail notes go to, address, ISS override."""

    objeto_auditado = "tomador"

    column_list = ("empresa", "tomador", "nome", "email", "iss_retido")
    column_details_list = (
        "empresa", "tomador", "nome", "email", "logradouro", "numero", "complemento", "bairro", "cep", "uf",
        "codigo_municipio", "iss_retido",
    )  # fmt: skip
    column_labels = {
        "empresa": "Empresa", "tomador": "CPF/CNPJ (cadastro da Receita)", "nome": "Nome", "email": "E-mail para a nota",
        "iss_retido": "ISS retido (exceção)", "logradouro": "Logradouro", "numero": "Número", "complemento": "Complemento",
        "bairro": "Bairro", "cep": "CEP", "codigo_municipio": "Município (IBGE)", "uf": "UF",
    }  # fmt: skip
    column_descriptions = {"nome": "Obrigatório quando a Receita não tem o nome (sempre para CPF)."}
    column_formatters = {"tomador": _tomador_do_vinculo}
    column_searchable_list = ("nome", "tomador.documento")
    form_extra_fields = {"cep": StringField("CEP")}
    form_columns = (
        "nome", "email", "logradouro", "numero", "complemento", "bairro", "cep", "uf", "codigo_municipio", "iss_retido",
    )  # fmt: skip

    @property
    def can_create(self):
        return False

    def get_query(self):
        return (
            super()
            .get_query()
            .options(joinedload(EmpresaClienteTomador.empresa), joinedload(EmpresaClienteTomador.tomador))
        )

    def on_model_delete(self, model):
        notas = sa.select(NFSe.id).where(NFSe.empresa_id == model.empresa_id, NFSe.tomador_id == model.tomador_id)
        if db.session.scalar(notas.limit(1)) is not None:
            raise ValidationError(
                f"{model.empresa.razao_social} tem notas para {model.nome or model.tomador.razao_social or 'este tomador'}"
                "; o cadastro dele fica guardado com elas e não pode ser excluído."
            )

    def validate_form(self, form):
        valido = super().validate_form(form)
        if not hasattr(form, "nome") or not is_form_submitted():
            return valido
        atual = self.get_one(request.args.get("id")) if request.args.get("id") else None
        g.vinculo_limpo = validacao.vinculo(form, atual.tomador.razao_social if atual else None)
        return valido and g.vinculo_limpo is not None

    def on_model_change(self, form, model, is_created):
        for campo, valor in (g.get("vinculo_limpo") or {}).items():
            setattr(model, campo, valor)
