"""What the admin views share: column formatters, choices, the empresa picker and scoping by empresa."""

from __future__ import annotations

import sqlalchemy as sa
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


class PorEmpresa(Escopada):
    """Rows that belong to a firm through their empresa."""

    def filtrar(self, query, contabilidade):
        return query.filter(self.model.empresa.has(Empresa.contabilidade_id == contabilidade))
