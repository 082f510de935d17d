"""Flask-Admin model views for accountants and support, each scoped to the user's firm."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_admin.helpers import is_form_submitted
from markupsafe import Markup
from sqlalchemy.orm import joinedload, undefer
from wtforms import FileField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired

from agentnfe import relogio
from agentnfe.cadastro import harmonizar
from agentnfe.emission import certificados
from agentnfe.emission.links import link_pdf
from agentnfe.extensions import db
from agentnfe.fiscal import (
    DocumentoInvalido,
    formatar_brl,
    formatar_documento,
    formatar_telefone,
    parse_cnpj,
)
from agentnfe.models import (
    Certificado,
    ClienteTomador,
    Contabilidade,
    Empresa,
    EmpresaClienteTomador,
    Mensagem,
    NFSe,
    Papel,
    Regime,
    ServicoEmpresa,
    Sessao,
    StatusNFSe,
    User,
    UsuarioEmpresa,
)

from . import validacao
from .acesso import LEITURA_E_REPLAY, Escopada, contabilidade_id, escreve, usuario

CORES_STATUS = {
    "concluida": "success", "processando": "info", "enviada": "info", "pendente": "secondary",
    "rejeitada": "danger", "erro": "danger", "atencao": "warning", "cancelada": "dark",
}  # fmt: skip
REGIMES = [(r.value, r.value.replace("_", " ").title()) for r in Regime]
REGIMES_ESPECIAIS = [
    ("nenhum", "Nenhum"), ("me_municipal", "Microempresa municipal"), ("estimativa", "Estimativa"),
    ("sociedade_profissionais", "Sociedade de profissionais"), ("cooperativa", "Cooperativa"), ("mei", "MEI"),
    ("me_epp_simples", "ME/EPP do Simples Nacional"), ("autonomo", "Profissional autônomo"),
]  # fmt: skip
AMBIENTES = [("homologacao", "Homologação (testes)"), ("producao", "Produção")]


def _documento(view, context, model, name):
    return formatar_documento(getattr(model, name) or "")


def _dinheiro(view, context, model, name):
    valor = getattr(model, name)
    return formatar_brl(valor) if valor is not None else ""


def _validade(view, context, model, name):
    ate = getattr(model, name)
    if ate is None:
        return Markup('<span class="badge badge-secondary">sem certificado</span>')
    dias = (ate - datetime.now(UTC).date()).days
    cor = "danger" if dias < 0 else "warning" if dias <= 30 else "success"
    return Markup(f'<span class="badge badge-{cor}">{ate:%d/%m/%Y}</span>')


def _endereco(view, context, model, name):
    faltando = model.endereco_faltando
    if faltando:
        return Markup('<span class="badge badge-warning" title="falta {}">incompleto</span>').format(
            ", ".join(faltando)
        )
    return f"{model.logradouro}, {model.numero} · {model.bairro}"


def _cnpj_valido(form, field):
    """A valid CNPJ (stored clean) that no other empresa has."""
    try:
        field.data = parse_cnpj(field.data or "")
    except DocumentoInvalido as erro:
        raise ValidationError(str(erro)) from None
    atual = getattr(form, "_obj", None)
    outra = db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == field.data))
    if outra is not None and (atual is None or atual.id != outra):
        raise ValidationError(f"O CNPJ {formatar_documento(field.data)} não está disponível (já cadastrado).")


def _empresas_do_usuario():
    """Empresas the logged-in user may pick (none outside a request: nothing leaks into cached choices)."""
    if usuario() is None:
        return []
    consulta = sa.select(Empresa).order_by(Empresa.razao_social)
    contabilidade = contabilidade_id()
    if contabilidade is not None:
        consulta = consulta.where(Empresa.contabilidade_id == contabilidade)
    return db.session.scalars(consulta).all()


class PorEmpresa(Escopada):
    """Rows that belong to a firm through their empresa."""

    def filtrar(self, query, contabilidade):
        return query.filter(self.model.empresa.has(Empresa.contabilidade_id == contabilidade))


class EmpresaView(Escopada):
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
    column_formatters = {"cnpj": _documento, "certificado_ate": _validade, "logradouro": _endereco}
    column_searchable_list = ("cnpj", "razao_social")
    column_filters = ("regime", "ativa", "uf")
    column_default_sort = "razao_social"
    form_columns = (
        "cnpj", "razao_social", "nome_fantasia", "inscricao_municipal", "codigo_municipio", "uf", "logradouro", "numero",
        "complemento", "bairro", "cep", "email", "telefone", "regime", "regime_especial", "incentivo_fiscal",
        "aliquota_simples_iss", "ambiente", "serie_rps", "numero_rps", "ativa",
    )  # fmt: skip
    form_extra_fields = {
        "cnpj": StringField("CNPJ", validators=[DataRequired("Informe o CNPJ."), _cnpj_valido]),
        # typed as people type them ("01310-100", "2,79"); agentnfe.cadastro cleans and checks them
        "cep": StringField("CEP"),
        "telefone": StringField("Telefone da empresa"),
        "aliquota_simples_iss": StringField("Alíquota efetiva do Simples (ISS, %)"),
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
                    "aliquota_iss": StringField("Alíquota do ISS (%)"),
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
        (UsuarioEmpresa, {"form_columns": ("id", "telefone", "nome", "ativo"), "form_label": "Telefone autorizado"}),
    )

    def filtrar(self, query, contabilidade):
        return query.filter(Empresa.contabilidade_id == contabilidade)

    def get_query(self):
        return super().get_query().options(undefer(Empresa.telefones_ativos), undefer(Empresa.certificado_ate))

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


def _firma_do_operador() -> int:
    """An operator without a firm creating an empresa files it under the first firm (there is one at least)."""
    primeira = db.session.scalar(sa.select(Contabilidade.id).order_by(Contabilidade.id))
    if primeira is None:
        raise ValidationError("Crie uma contabilidade antes (python -m agentnfe create-contabilidade).")
    return primeira


class VenceEm30Dias(filters.BaseSQLAFilter):
    """Certificates that expire within the next 30 days (or already did)."""

    def __init__(self, column, name):
        super().__init__(column, name, options=(("sim", "sim"),))

    def apply(self, query, value, alias=None):
        return query.filter(self.column <= datetime.now(UTC).date() + timedelta(days=30))

    def operation(self):
        return "igual a"


class CertificadoView(PorEmpresa):
    """Upload form: the file and its password go straight to the parser; nothing secret is ever shown."""

    column_list = ("empresa", "titular", "cnpj", "valido_de", "valido_ate", "enviado_gateway_em")
    column_details_list = column_list
    column_export_list = column_list
    column_labels = {
        "empresa": "Empresa", "titular": "Titular", "cnpj": "CNPJ", "valido_de": "Válido de", "valido_ate": "Válido até",
        "enviado_gateway_em": "Enviado ao gateway",
    }  # fmt: skip
    column_formatters = {"cnpj": _documento, "valido_ate": _validade}
    column_default_sort = ("valido_ate", False)
    column_filters = (
        VenceEm30Dias(Certificado.valido_ate, "Vence em 30 dias"),
        filters.DateSmallerFilter(Certificado.valido_ate, "Vence até"),
        filters.DateGreaterFilter(Certificado.valido_ate, "Vence depois de"),
    )
    form_excluded_columns = ("arquivo", "senha")

    @property
    def can_edit(self):
        return False  # a certificate is replaced, never edited

    def get_query(self):
        return super().get_query().options(joinedload(Certificado.empresa))

    def scaffold_form(self):
        from flask_admin.form import BaseForm
        from wtforms import fields

        class Form(BaseForm):
            empresa_id = fields.SelectField("Empresa", coerce=int, validators=[DataRequired()])
            arquivo = FileField("Arquivo .pfx/.p12", validators=[DataRequired("Escolha o arquivo do certificado.")])
            senha = PasswordField("Senha do certificado", validators=[DataRequired("Informe a senha do certificado.")])

        return Form

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.empresa_id.choices = [
            (e.id, f"{e.razao_social} ({formatar_documento(e.cnpj)})") for e in _empresas_do_usuario()
        ]
        return form

    def create_model(self, form):
        from flask import request

        empresa = next((e for e in _empresas_do_usuario() if e.id == form.empresa_id.data), None)
        arquivo = request.files.get("arquivo")
        if empresa is None or arquivo is None:
            flash("Empresa ou arquivo inválido.", "error")
            return False
        try:
            registro = certificados.adicionar(
                db.session, empresa, arquivo.read(), form.senha.data, datetime.now(UTC).date()
            )
        except certificados.CertificadoInvalido as erro:
            db.session.rollback()
            flash(str(erro), "error")
            return False
        db.session.commit()
        flash(f"Certificado de {registro.titular} válido até {registro.valido_ate:%d/%m/%Y} guardado.", "success")
        self._enviar([registro])
        return registro

    def _enviar(self, registros) -> None:
        """Hand the certificates to the gateway in a task (upload, then register or update the empresa)."""
        from agentnfe.emission.gateways import gateway_atual
        from tasks.emissao import send_certificate

        if not gateway_atual().exige_certificado:
            return
        for registro in registros:
            send_certificate(registro.id)
        flash(
            f"{len(registros)} certificado(s) a caminho do gateway; a coluna “Enviado ao gateway” mostra quando chegou "
            "e, se o gateway recusar, um aviso aparece no painel.",
            "info",
        )

    @action("gateway", "Reenviar ao gateway", "Enviar de novo os certificados selecionados ao gateway?")
    def reenviar(self, ids):
        if not escreve():
            abort(403)
        self._enviar(self.escopados(ids))


class TelefoneView(PorEmpresa):
    column_list = ("empresa", "telefone", "nome", "ativo")
    column_details_list = column_list
    column_labels = {"empresa": "Empresa", "telefone": "Telefone", "nome": "Nome", "ativo": "Ativo"}
    column_formatters = {"telefone": lambda v, c, m, n: formatar_telefone(m.telefone)}
    column_searchable_list = ("telefone", "nome")
    form_columns = ("empresa", "telefone", "nome", "ativo")
    form_args = {"empresa": {"query_factory": _empresas_do_usuario, "validators": [DataRequired()]}}

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
    column_formatters = {"documento": _documento}
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


def _status(view, context, model, name):
    valor = model.status.value
    return Markup(f'<span class="badge badge-{CORES_STATUS[valor]}">{valor}</span>')


def _tomador(view, context, model, name):
    """The name the note went out with (its snapshot), else the registry's, else the document."""
    tomador = model.tomador
    if tomador is None:
        return ""
    return (model.tomador_dados or {}).get("nome") or tomador.razao_social or formatar_documento(tomador.documento)


class NotaView(Escopada):
    papeis = (Papel.ADMIN, Papel.CONTADOR)
    details_template = "admin/nota_detalhes.html"
    column_list = ("numero", "criado_em", "empresa", "tomador", "valor", "status")
    column_labels = {
        "numero": "Número", "criado_em": "Criada em", "empresa": "Empresa", "tomador": "Tomador", "valor": "Valor",
        "status": "Situação", "descricao": "Descrição", "competencia": "Competência", "aliquota_iss": "Alíquota ISS",
        "iss_retido": "ISS retido", "mensagem_erro": "Mensagem do gateway", "id_integracao": "Id de integração",
        "codigo_verificacao": "Código de verificação", "emitida_em": "Autorizada em", "empresa.cnpj": "CNPJ da empresa",
        "tomador.documento": "Documento do tomador", "tomador.razao_social": "Razão social do tomador",
        "codigo_municipio_prestacao": "Município da prestação (IBGE)", "cancelamento_situacao": "Cancelamento",
        "cancelamento_motivo": "Motivo do cancelamento",
    }  # fmt: skip
    column_descriptions = {
        "codigo_municipio_prestacao": "Onde o serviço foi prestado; fora do município da empresa o ISS é devido lá.",
        "iss_retido": "Se o tomador retém o ISS. A alíquota segue o regime da empresa (Simples: a alíquota efetiva).",
    }  # fmt: skip
    column_formatters = {
        "valor": _dinheiro, "status": _status, "tomador": _tomador,
        "criado_em": lambda v, c, m, n: f"{m.criado_em:%d/%m/%Y %H:%M}",
    }  # fmt: skip
    column_formatters_export = {
        "valor": lambda v, c, m, n: str(m.valor),
        "status": lambda v, c, m, n: m.status.value,
        "tomador": _tomador,
    }
    column_searchable_list = ("numero", "tomador.razao_social", "tomador.documento", "empresa.cnpj")
    column_filters = (
        filters.FilterEqual(NFSe.status, "Situação", options=[(s.value, s.value) for s in StatusNFSe]),
        filters.IntEqualFilter(NFSe.empresa_id, "Empresa", options=(("", ""),)),
        filters.DateTimeBetweenFilter(NFSe.criado_em, "Período"),
    )
    column_default_sort = ("criado_em", True)
    column_details_list = (
        "numero", "status", "empresa", "tomador", "valor", "descricao", "competencia", "codigo_municipio_prestacao",
        "aliquota_iss", "iss_retido", "codigo_verificacao", "emitida_em", "id_integracao", "mensagem_erro",
        "cancelamento_situacao", "cancelamento_motivo", "criado_em",
    )  # fmt: skip
    can_export = True
    column_export_list = ("numero", "criado_em", "empresa", "tomador", "valor", "status", "descricao", "id_integracao")
    form_columns = ("descricao", "valor", "iss_retido", "competencia", "codigo_municipio_prestacao")

    @property
    def can_create(self):
        return False

    @property
    def can_delete(self):
        return False

    def filtrar(self, query, contabilidade):
        return query.filter(NFSe.contabilidade_id == contabilidade)

    def get_query(self):
        return super().get_query().options(joinedload(NFSe.empresa), joinedload(NFSe.tomador))

    def validate_form(self, form):
        valido = super().validate_form(form)
        if not hasattr(form, "codigo_municipio_prestacao") or not is_form_submitted():
            return valido
        erros = {}
        municipio = (form.codigo_municipio_prestacao.data or "").strip()
        if municipio and not re.fullmatch(r"\d{7}", municipio):
            erros["codigo_municipio_prestacao"] = "Use o código IBGE do município, 7 dígitos (ex. 3550308)."
        competencia = form.competencia.data
        if competencia and competencia.replace(day=1) > relogio.hoje().replace(day=1):
            erros["competencia"] = "A competência não pode ser depois do mês atual."
        if form.valor.data is not None and form.valor.data <= 0:
            erros["valor"] = "O valor precisa ser maior que zero."
        return validacao.marcar(form, erros) and valido

    def on_model_change(self, form, model, is_created):
        if model.status not in (StatusNFSe.PENDENTE, StatusNFSe.ERRO, StatusNFSe.REJEITADA):
            raise ValidationError("Só dá para corrigir notas pendentes, com erro ou rejeitadas (antes de reemitir).")
        from agentnfe.emission.notas import tributacao

        model.competencia = model.competencia.replace(day=1)
        model.codigo_municipio_prestacao = (
            model.codigo_municipio_prestacao or ""
        ).strip() or model.empresa.codigo_municipio
        aliquota = model.servico.aliquota_iss if model.servico else None
        imposto = tributacao(
            model.empresa.regime, aliquota, model.empresa.aliquota_simples_iss, model.iss_retido, model.valor
        )
        model.aliquota_iss, model.iss_retido = imposto.aliquota, imposto.retido

    def is_action_allowed(self, name):
        if name == "reemitir":
            return escreve() or (usuario() is not None and usuario().role in LEITURA_E_REPLAY)
        return escreve() and super().is_action_allowed(name)

    @action("reemitir", "Reemitir", "Reprocessar as notas selecionadas (consulta o gateway antes de reenviar)?")
    def reemitir(self, ids):
        from tasks.emissao import replay_nfse

        notas = [n for n in self.escopados(ids) if n.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA)]
        for nota in notas:
            replay_nfse(nota.id, "admin", usuario().id)
        ignoradas = len(ids) - len(notas)
        flash(
            f"{len(notas)} nota(s) enviada(s) para reprocessamento; {ignoradas} ignorada(s) (autorizadas ou canceladas).",
            "success",
        )

    @action(
        "cancelar", "Cancelar nota autorizada", "Cancelar as notas autorizadas selecionadas (o motivo vem a seguir)?"
    )
    def cancelar(self, ids):
        notas = [n for n in self.escopados(ids) if n.status is StatusNFSe.CONCLUIDA]
        if not notas:
            flash(
                "Nenhuma das notas selecionadas está autorizada: só notas autorizadas podem ser canceladas.", "warning"
            )
            return None
        return redirect(url_for(".cancelamento", ids=",".join(str(n.id) for n in notas)))

    @expose("/cancelamento/", methods=["GET", "POST"])
    def cancelamento(self):
        """Cancel authorized notes with the code and the reason the accountant chooses (sent to the city hall)."""
        from agentnfe.fiscal import cancelamento
        from tasks.emissao import cancel_nfse

        if not escreve():
            abort(403)
        ids = [i for i in (request.values.get("ids") or "").split(",") if i.strip()]
        notas = [n for n in self.escopados(ids) if n.status is StatusNFSe.CONCLUIDA]
        if not notas:
            abort(404)
        erro = None
        if request.method == "POST":
            try:
                codigo, motivo = cancelamento.validar(request.form.get("codigo"), request.form.get("motivo"))
            except cancelamento.CancelamentoInvalido as invalido:
                erro = str(invalido)
            else:
                for nota in notas:
                    cancel_nfse(nota.id, codigo, motivo, "admin", usuario().id)
                flash(
                    f"Cancelamento pedido para {len(notas)} nota(s); a confirmação da prefeitura aparece na nota.",
                    "success",
                )
                return redirect(url_for(".index_view"))
        return self.render(
            "admin/nota_cancelamento.html",
            notas=notas,
            ids=",".join(str(n.id) for n in notas),
            codigos=cancelamento.CODIGOS,
            erro=erro,
            minimo=cancelamento.MOTIVO_MINIMO,
            maximo=cancelamento.MOTIVO_MAXIMO,
        )

    def _get_filter_groups(self):
        """The empresa filter offers the user's own empresas, read per request (choices never leak)."""
        grupos = super()._get_filter_groups()
        for item in (grupos or {}).get("Empresa", []):
            item["options"] = [(str(e.id), e.razao_social) for e in _empresas_do_usuario()]
        return grupos

    @expose("/xml/")
    def xml(self):
        """The authorized note's XML, fetched from the gateway with the API key (scoped like every view)."""
        from agentnfe.emission.gateways import GatewayIndisponivel, GatewayRecusou, gateway_atual

        nota = self.get_one(request.args.get("id"))
        if not nota.gateway_id or nota.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA):
            abort(404)
        try:
            conteudo = gateway_atual().xml(nota.gateway_id)
        except (GatewayIndisponivel, GatewayRecusou) as erro:
            flash(f"O gateway não entregou o XML agora: {erro}", "error")
            return redirect(url_for(".details_view", id=nota.id))
        nome = f"NFS-e {nota.numero or nota.id}.xml"
        return Response(
            conteudo, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{nome}"'}
        )

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            nota = kwargs["model"]
            kwargs["tentativas"] = nota.tentativas
            kwargs["link_pdf"] = link_pdf(nota.id_integracao) if nota.status is StatusNFSe.CONCLUIDA else None
            kwargs["pode_cancelar"] = escreve() and nota.status is StatusNFSe.CONCLUIDA
        return super().render(template, **kwargs)


class NotaParadaView(NotaView):
    """Notes processing for more than an hour: what support looks at first."""

    def get_query(self):
        limite = datetime.now(UTC) - timedelta(hours=1)
        return (
            super()
            .get_query()
            .filter(NFSe.status.in_((StatusNFSe.PROCESSANDO, StatusNFSe.ENVIADA)), NFSe.atualizado_em < limite)
        )

    def get_count_query(self):
        limite = datetime.now(UTC) - timedelta(hours=1)
        return (
            super()
            .get_count_query()
            .filter(NFSe.status.in_((StatusNFSe.PROCESSANDO, StatusNFSe.ENVIADA)), NFSe.atualizado_em < limite)
        )


class SessaoView(PorEmpresa):
    somente_leitura = True
    details_template = "admin/sessao_transcricao.html"
    can_export = False
    column_list = ("telefone", "empresa", "estado", "provider", "atualizado_em")
    column_labels = {
        "telefone": "Telefone", "empresa": "Empresa", "estado": "Estado", "provider": "Canal",
        "atualizado_em": "Última mensagem", "criado_em": "Início", "expira_em": "Expira em",
    }  # fmt: skip
    column_details_list = ("telefone", "empresa", "estado", "provider", "criado_em", "atualizado_em", "expira_em")
    column_formatters = {"telefone": lambda v, c, m, n: formatar_telefone(m.telefone)}
    column_searchable_list = ("telefone",)
    column_filters = ("estado", "provider")
    column_default_sort = ("atualizado_em", True)
    simple_list_pager = True

    def get_query(self):
        return super().get_query().options(joinedload(Sessao.empresa))

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            mensagens = db.session.scalars(
                sa.select(Mensagem).where(Mensagem.sessao_id == kwargs["model"].id).order_by(Mensagem.id)
            ).all()
            kwargs["mensagens"] = [(m, self._sem_outras_firmas(kwargs["model"], m.texto)) for m in mensagens]
        return super().render(template, **kwargs)

    @staticmethod
    def _sem_outras_firmas(sessao, texto: str | None) -> str | None:
        """A phone may serve empresas of several firms (the bot lists them to the owner); a firm's transcript
        never names the others'."""
        contabilidade = contabilidade_id()
        if contabilidade is None or not texto:
            return texto
        outras = db.session.execute(
            sa.select(Empresa.razao_social, Empresa.nome_fantasia, Empresa.cnpj)
            .join(UsuarioEmpresa, UsuarioEmpresa.empresa_id == Empresa.id)
            .where(UsuarioEmpresa.telefone == sessao.telefone, Empresa.contabilidade_id != contabilidade)
        ).all()
        for razao, fantasia, cnpj in outras:
            for nome in (razao, fantasia, formatar_documento(cnpj)):
                if nome:
                    texto = texto.replace(nome, "(empresa de outra contabilidade)")
        return texto


class UsuarioView(Escopada):
    """Users of the firm; support staff and operators belong to no firm and only the operator sees them."""

    papeis = (Papel.ADMIN,)
    column_list = ("email", "role", "contabilidade", "is_superuser", "ativo", "ultimo_login_em")
    column_details_list = column_list
    column_export_list = column_list
    column_labels = {
        "email": "E-mail", "role": "Papel", "contabilidade": "Contabilidade", "is_superuser": "Operador",
        "ativo": "Ativo", "ultimo_login_em": "Último acesso", "nova_senha": "Senha", "firma": "Contabilidade",
    }  # fmt: skip
    column_searchable_list = ("email",)
    form_columns = ("email", "role", "firma", "ativo", "nova_senha")
    form_overrides = {"role": SelectField}
    form_extra_fields = {
        "email": StringField("E-mail", validators=[DataRequired("Informe o e-mail.")]),
        "firma": SelectField("Contabilidade", coerce=int, validate_choice=False),
        "nova_senha": PasswordField("Senha (deixe vazio para manter)"),
    }

    def filtrar(self, query, contabilidade):
        return query.filter(User.contabilidade_id == contabilidade, User.is_superuser.is_(False))

    def is_accessible(self):
        atual = usuario()
        return atual is not None and atual.ativo and (atual.is_superuser or atual.role is Papel.ADMIN)

    def _preparar(self, form, obj=None):
        atual = usuario()
        papeis = list(Papel) if atual.is_superuser else [Papel.ADMIN, Papel.CONTADOR]
        form.role.choices = [(p.value, p.value) for p in papeis]
        if atual.is_superuser:
            firmas = db.session.scalars(sa.select(Contabilidade).order_by(Contabilidade.nome)).all()
            form.firma.choices = [(0, "— nenhuma (suporte) —")] + [(f.id, f.nome) for f in firmas]
            if obj is not None and not form.firma.data:
                form.firma.data = obj.contabilidade_id or 0
        else:
            del form.firma  # a firm's admin creates users of that firm only
        return form

    def create_form(self, obj=None):
        return self._preparar(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._preparar(super().edit_form(obj), obj)

    def validate_form(self, form):
        """E-mail, password and firm checked beside each field; an e-mail in use is just "not available"."""
        from agentnfe.contas import MIN_PASSWORD, ContaInvalida, parse_email

        valido = super().validate_form(form)
        if not hasattr(form, "nova_senha") or not is_form_submitted():
            return valido
        erros = {}
        atual = request.args.get("id")
        try:
            email = parse_email(form.email.data or "")
        except ContaInvalida as erro:
            erros["email"] = str(erro).capitalize() + "."
        else:
            outro = db.session.scalar(sa.select(User.id).where(User.email == email))
            if outro is not None and str(outro) != str(atual):
                erros["email"] = "Este e-mail não está disponível."
        senha = form.nova_senha.data or ""
        if not senha and atual is None:
            erros["nova_senha"] = "Defina uma senha para o novo usuário."
        elif senha and len(senha) < MIN_PASSWORD:
            erros["nova_senha"] = f"A senha precisa de pelo menos {MIN_PASSWORD} caracteres."
        if getattr(form, "firma", None) is not None:
            sem_firma = form.role.data == Papel.SUPORTE.value
            if sem_firma and form.firma.data:
                erros["firma"] = "Suporte não pertence a uma contabilidade."
            elif not sem_firma and not form.firma.data:
                erros["firma"] = "Escolha a contabilidade deste usuário."
        return validacao.marcar(form, erros) and valido

    def on_model_change(self, form, model, is_created):
        from agentnfe.contas import parse_email

        model.email = parse_email(form.email.data)
        model.role = Papel(form.role.data)
        if getattr(form, "firma", None) is not None:
            model.contabilidade_id = form.firma.data or None
        elif is_created:
            model.contabilidade_id = contabilidade_id()
        if model.is_superuser or model.role is Papel.SUPORTE:
            model.contabilidade_id = None
        senha = form.nova_senha.data
        if senha:
            model.set_password(senha)
        if not is_created and (senha or not model.ativo):
            model.encerrar_sessoes()  # a new password or a deactivation ends the user's open sessions
