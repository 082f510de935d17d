"""The audit trail as a list: who did what and when, filterable; read only, as the trail itself."""

from __future__ import annotations

from flask_admin.contrib.sqla import filters
from markupsafe import Markup

from agentnfe.auditoria import ACOES, OBJETOS
from agentnfe.models import Auditoria, Papel

from ..acesso import Escopada
from ..filtros import PeriodoLocal


def _mudancas(view, context, model, name):
    linhas = [
        Markup("<div><b>{}</b>: {} → {}</div>").format(campo, antes or "—", depois or "—")
        for campo, (antes, depois) in (model.mudancas or {}).items()
    ]
    return Markup("").join(linhas)


class AuditoriaView(Escopada):
    papeis = (Papel.ADMIN, Papel.CONTADOR)
    somente_leitura = True
    can_view_details = False
    column_list = ("criado_em", "usuario", "acao", "objeto", "descricao", "mudancas")
    column_details_list = column_list
    column_labels = {
        "criado_em": "Quando", "usuario": "Quem", "acao": "Ação", "objeto": "Registro", "descricao": "O quê",
        "mudancas": "Mudanças",
    }  # fmt: skip
    column_formatters = {
        "mudancas": _mudancas,
        "acao": lambda v, c, m, n: ACOES.get(m.acao, m.acao),
        "objeto": lambda v, c, m, n: OBJETOS.get(m.objeto, m.objeto),
    }
    column_filters = (
        filters.FilterEqual(Auditoria.acao, "Ação", options=list(ACOES.items())),
        filters.FilterEqual(Auditoria.objeto, "Registro", options=list(OBJETOS.items())),
        filters.FilterLike(Auditoria.usuario, "Quem"),
        PeriodoLocal(Auditoria.criado_em, "Período"),
    )
    column_searchable_list = ("descricao", "usuario")
    column_default_sort = ("id", True)
    simple_list_pager = True

    def filtrar(self, query, contabilidade):
        return query.filter(Auditoria.contabilidade_id == contabilidade)
