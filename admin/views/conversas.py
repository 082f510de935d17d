"""WhatsApp conversations, read-only, with their messages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from agentnfe.extensions import db
from agentnfe.fiscal import (
    formatar_documento,
    formatar_telefone,
)
from agentnfe.models import (
    Empresa,
    Mensagem,
    Sessao,
    UsuarioEmpresa,
)

from ..acesso import contabilidade_id
from .comum import (
    PorEmpresa,
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
