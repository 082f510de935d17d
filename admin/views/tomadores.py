"""Tomadores: the Receita's shared registry (read only, refreshed from BrasilAPI) and what each firm says about
the tomadores of its empresas — added here by CPF or CNPJ, edited, never deleted once a note names them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, request
from flask_admin.actions import action
from flask_admin.helpers import is_form_submitted
from flask_admin.model.fields import AjaxSelectField
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired

from agentnfe.cadastros import tomadores
from agentnfe.fiscal import DocumentoInvalido, formatar_documento, parse_documento
from agentnfe.infra.extensions import db
from agentnfe.models import ClienteTomador, Empresa, EmpresaClienteTomador, FonteTomador, NFSe, TipoDocumento

from .. import validacao
from ..acesso import Escopada
from .comum import EmpresasDaFirma, PorEmpresa, documento_formatado


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
    escritor = tomadores

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

    form_create_rules = ("empresa_id", "documento", *form_columns)
    form_ajax_refs = {"empresa": EmpresasDaFirma("empresa")}

    def get_query(self):
        return (
            super()
            .get_query()
            .options(joinedload(EmpresaClienteTomador.empresa), joinedload(EmpresaClienteTomador.tomador))
        )

    def get_create_form(self):
        """A new tomador: which empresa it serves and its CPF or CNPJ, then what the firm says about it."""

        class Criacao(self.get_edit_form()):
            empresa_id = AjaxSelectField(
                self._form_ajax_refs["empresa"], "Empresa", validators=[DataRequired("Escolha a empresa.")]
            )
            documento = StringField("CPF ou CNPJ", validators=[InputRequired("Informe o CPF ou o CNPJ.")])

        return Criacao

    def _novo(self, form) -> tuple[str, TipoDocumento, ClienteTomador | None] | None:
        """The new tomador's document and registry entry; None (errors marked) when it cannot be added."""
        try:
            documento = parse_documento(form.documento.data or "")
        except DocumentoInvalido as erro:
            validacao.marcar(form, {"documento": str(erro)})
            return None
        registro = db.session.scalar(sa.select(ClienteTomador).where(ClienteTomador.documento == documento.numero))
        if registro is not None and tomadores.vinculo(form.empresa_id.data.id, registro.id) is not None:
            validacao.marcar(form, {"documento": f"{formatar_documento(documento.numero)} já é tomador desta empresa."})
            return None
        return documento.numero, documento.tipo, registro

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
        if hasattr(form, "documento"):
            g.tomador_novo = self._novo(form) if valido else None
            if g.tomador_novo is None:
                return False
            _, tipo, registro = g.tomador_novo
            nome_no_registro = registro.razao_social if registro else None
            if tipo is TipoDocumento.CNPJ and nome_no_registro is None:
                nome_no_registro = "a consultar na Receita"  # the lookup after saving brings the name
        else:
            nome_no_registro = self.get_one(request.args.get("id")).tomador.razao_social
        g.vinculo_limpo = validacao.vinculo(form, nome_no_registro)
        return valido and g.vinculo_limpo is not None

    def novo_registro(self, form):
        documento, tipo, _ = g.tomador_novo
        _, ligado = tomadores.vincular(form.empresa_id.data.id, documento, tipo, FonteTomador.MANUAL)
        return ligado

    def preencher(self, form, model) -> None:
        """The form's values arrive cleaned by validate_form (`vinculo_limpo`), set in on_model_change."""

    def on_model_change(self, form, model, is_created):
        tomadores.alterar_vinculo(model, g.get("vinculo_limpo") or {})

    def after_model_change(self, form, model, is_created):
        """A new CNPJ is looked up at the Receita (BrasilAPI) in a task: name and address fill in by themselves."""
        from tasks.emissao import refresh_tomador

        if is_created and model.tomador.tipo_documento is TipoDocumento.CNPJ:
            refresh_tomador(model.tomador_id)
