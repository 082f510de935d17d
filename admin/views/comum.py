"""What the admin views share: column formatters, choices, the empresa picker and scoping by empresa."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from markupsafe import Markup
from wtforms import ValidationError

from agentnfe import relogio, rotulos
from agentnfe.extensions import db
from agentnfe.fiscal import (
    DocumentoInvalido,
    formatar_documento,
    parse_cnpj,
)
from agentnfe.models import Ambiente, Empresa, Regime, RegimeEspecial

from ..acesso import Escopada, contabilidade_id, usuario

CORES_STATUS = {
    "concluida": "success", "processando": "info", "enviada": "info", "pendente": "secondary",
    "rejeitada": "danger", "erro": "danger", "atencao": "warning", "cancelada": "dark",
}  # fmt: skip
REGIMES = rotulos.opcoes(Regime)
REGIMES_ESPECIAIS = rotulos.opcoes(RegimeEspecial)
AMBIENTES = rotulos.opcoes(Ambiente)


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


def empresas_do_usuario():
    """Empresas the logged-in user may pick (none outside a request: nothing leaks into cached choices)."""
    if usuario() is None:
        return []
    consulta = sa.select(Empresa).order_by(Empresa.razao_social)
    contabilidade = contabilidade_id()
    if contabilidade is not None:
        consulta = consulta.where(Empresa.contabilidade_id == contabilidade)
    return db.session.scalars(consulta).all()


class EmpresasDaFirma(QueryAjaxModelLoader):
    """An empresa picker searched as the user types (razão social or CNPJ, with or without punctuation), confined
    to the user's firm: a firm with thousands of empresas never ships them all in one page."""

    def __init__(self, nome: str):
        super().__init__(
            nome, db.session, Empresa, fields=["razao_social", "cnpj"], page_size=20, order_by=Empresa.razao_social,
            placeholder="Digite a razão social ou o CNPJ",
        )  # fmt: skip

    def get_query(self):
        firma = contabilidade_id()
        consulta = super().get_query()
        return consulta if firma is None else consulta.filter(Empresa.contabilidade_id == firma)

    def get_list(self, term: str, offset: int = 0, limit: int = 20):
        if re.fullmatch(r"[\d./\-\s]+", term or ""):
            term = re.sub(r"\D", "", term)  # a CNPJ typed with punctuation matches the stored digits
        return super().get_list(term, offset, limit)

    def get_one(self, pk):
        """Only an empresa of the user's firm can be chosen, whatever id a crafted form sends."""
        empresa = super().get_one(pk)
        firma = contabilidade_id()
        return empresa if empresa is not None and firma in (None, empresa.contabilidade_id) else None


class PorEmpresa(Escopada):
    """Rows that belong to a firm through their empresa."""

    def filtrar(self, query, contabilidade):
        return query.filter(self.model.empresa.has(Empresa.contabilidade_id == contabilidade))
