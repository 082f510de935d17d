"""WhatsApp conversations, read-only, with their messages; replies that could not be delivered, to resend."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from sqlalchemy.orm import joinedload

from agentnfe.conversation import entrega
from agentnfe.fiscal import (
    formatar_documento,
)
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import (
    Empresa,
    Envio,
    Mensagem,
    Sessao,
    UsuarioEmpresa,
)

from ..acesso import LEITURA_E_REPLAY, Escopada, contabilidade_id, escreve, usuario
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
    column_searchable_list = ("telefone",)
    column_filters = ("estado", "provider", filters.IntEqualFilter(Sessao.empresa_id, "Empresa"))
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


class NaoEntregueView(Escopada):
    """Replies WhatsApp never took, after DELIVERY_RETRY_HOURS of retries or a refusal; "reenviar" queues them
    again, in order behind anything still pending for that phone."""

    somente_leitura = True
    can_view_details = False
    can_export = False
    column_list = ("criado_em", "sessao.telefone", "sessao.empresa", "texto", "entrega_tentativas")
    column_details_list = column_list
    column_labels = {
        "criado_em": "Escrita em", "sessao.telefone": "Telefone", "sessao.empresa": "Empresa", "texto": "Resposta",
        "entrega_tentativas": "Tentativas",
    }  # fmt: skip
    column_formatters = {"texto": lambda v, c, m, n: (m.texto or "")[:140]}
    column_default_sort = ("id", True)
    simple_list_pager = True

    def filtrar(self, query, contabilidade):
        return query.filter(Mensagem.sessao.has(Sessao.empresa.has(Empresa.contabilidade_id == contabilidade)))

    def _nao_entregues(self, query):
        # the value written out, so both databases can read the partial index ix_mensagem_falhou (a few rows)
        # instead of walking a million messages backwards
        return query.filter(Mensagem.envio == sa.literal(Envio.FALHOU.value, literal_execute=True))

    def get_query(self):
        consulta = self._nao_entregues(super().get_query())
        return consulta.options(joinedload(Mensagem.sessao).joinedload(Sessao.empresa))

    def get_count_query(self):
        return self._nao_entregues(super().get_count_query())

    def is_action_allowed(self, name):
        return escreve() or (usuario() is not None and usuario().role in LEITURA_E_REPLAY)

    @action("reenviar", "Reenviar", "Reenviar pelo WhatsApp as respostas selecionadas?")
    def reenviar(self, ids):
        from tasks.entrega import send_reply

        with transacao():
            devolvidas = entrega.reenviar([m.id for m in self.escopados(ids)])
        for mensagem_id in devolvidas:
            send_reply(mensagem_id)
        flash(f"{len(devolvidas)} resposta(s) de volta à fila de envio.", "success")
