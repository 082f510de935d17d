"""What the admin views share: column formatters, choices, the empresa picker and scoping by empresa."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_admin import expose
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from markupsafe import Markup
from wtforms import ValidationError

from agentnfe import rotulos
from agentnfe.fiscal import (
    DocumentoInvalido,
    formatar_documento,
    parse_cnpj,
)
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import Ambiente, Empresa, NomeGateway, Regime, RegimeEspecial

from ..acesso import Escopada, contabilidade_id

CORES_STATUS = {
    "concluida": "success", "processando": "info", "enviada": "info", "pendente": "secondary",
    "rejeitada": "danger", "erro": "danger", "atencao": "warning", "cancelada": "dark",
}  # fmt: skip
REGIMES = rotulos.opcoes(Regime)
REGIMES_ESPECIAIS = rotulos.opcoes(RegimeEspecial)
AMBIENTES = rotulos.opcoes(Ambiente)
GATEWAYS = rotulos.opcoes(NomeGateway)


def documento_formatado(view, context, model, name):
    return formatar_documento(getattr(model, name) or "")


def validade(view, context, model, name):
    ate = getattr(model, name)
    if ate is None:
        return Markup('<span class="badge badge-secondary">sem certificado</span>')
    dias = (ate - relogio.hoje()).days
    cor = "danger" if dias < 0 else "warning" if dias <= 30 else "success"
    return Markup(f'<span class="badge badge-{cor}">{ate:%d/%m/%Y}</span>')


def endereco_resumido(view, context, model, name):
    faltando = model.endereco_faltando
    if faltando:
        return Markup('<span class="badge badge-warning" title="falta {}">incompleto</span>').format(
            ", ".join(faltando)
        )
    return f"{model.logradouro}, {model.numero} · {model.bairro}"


def cnpj_valido(form, field):
    """A valid CNPJ (stored clean) that no other empresa has."""
    try:
        field.data = parse_cnpj(field.data or "")
    except DocumentoInvalido as erro:
        raise ValidationError(str(erro)) from None
    atual = getattr(form, "_obj", None)
    outra = db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == field.data))
    if outra is not None and (atual is None or atual.id != outra):
        raise ValidationError(f"O CNPJ {formatar_documento(field.data)} não está disponível (já cadastrado).")


LIMITE_DO_SELETOR = 50
"""Most empresas a picker lists at once."""


class EmpresasDaFirma(QueryAjaxModelLoader):
    """An empresa picker searched as the user types (razão social or CNPJ, with or without punctuation), confined
    to the user's firm (and to its active empresas when `ativas`): a firm with thousands of empresas never ships
    them all in one page."""

    def __init__(self, nome: str, ativas: bool = False):
        super().__init__(
            nome, db.session, Empresa, fields=["razao_social", "cnpj"], page_size=20, order_by=Empresa.razao_social,
            placeholder="Digite a razão social ou o CNPJ",
        )  # fmt: skip
        self.ativas = ativas

    def format(self, model):
        return None if model is None else (model.id, f"{model.razao_social} ({formatar_documento(model.cnpj)})")

    def get_query(self):
        firma = contabilidade_id()
        consulta = super().get_query()
        consulta = consulta.filter(Empresa.ativa) if self.ativas else consulta
        return consulta if firma is None else consulta.filter(Empresa.contabilidade_id == firma)

    def get_list(self, term: str, offset: int = 0, limit: int = 20):
        if re.fullmatch(r"[\d./\-\s]+", term or ""):
            term = re.sub(r"\D", "", term)  # a CNPJ typed with punctuation matches the stored digits
        # The picker's page whatever the request asks (`limit=100000` listed a whole firm in one answer).
        return super().get_list(term, max(0, offset or 0), max(1, min(limit or 20, LIMITE_DO_SELETOR)))

    def get_one(self, pk):
        """Only an empresa the list would offer can be chosen, whatever a crafted form sends."""
        if not str(pk).isdigit():
            return None
        return self.get_query().filter(Empresa.id == int(pk)).one_or_none()


class EscolheEmpresa:
    """A back-office page (not a model view) whose form picks one of the firm's active empresas as the user types:
    the lookup endpoint a Flask-Admin ajax picker (`campo_de_empresa`) asks."""

    empresas = EmpresasDaFirma("empresa", ativas=True)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        if request.args.get("name") != self.empresas.name:
            abort(404)
        achadas = self.empresas.get_list(request.args.get("query", ""), request.args.get("offset", 0, type=int), 20)
        return jsonify([self.empresas.format(empresa) for empresa in achadas])


class PorEmpresa(Escopada):
    """Rows that belong to a firm through their empresa."""

    def filtrar(self, query, contabilidade):
        return query.filter(self.model.empresa.has(Empresa.contabilidade_id == contabilidade))
