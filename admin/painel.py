"""The dashboard: three queries, cached per firm for 60 s."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_admin import expose

from agentnfe import rotulos
from agentnfe.conversation.llm import custo_usd
from agentnfe.infra import relogio
from agentnfe.infra.extensions import cache, db
from agentnfe.models import Certificado, Empresa, Mensagem, NFSe, Notificacao, Sessao, StatusNFSe
from agentnfe.models.enums import ESTADOS_FINAIS

from .acesso import IndiceProtegido, contabilidade_id

ATENCAO = (StatusNFSe.ERRO, StatusNFSe.REJEITADA, StatusNFSe.ATENCAO)


def _da_firma(coluna, contabilidade: int | None):
    return sa.true() if contabilidade is None else coluna == contabilidade


def numeros(contabilidade: int | None) -> dict:
    """Everything the dashboard shows, in three SQL statements."""
    hoje = relogio.hoje()
    inicio_dia, inicio_mes = relogio.inicio_do_dia(hoje), relogio.inicio_do_dia(hoje.replace(day=1))
    da_firma = _da_firma(NFSe.contabilidade_id, contabilidade)

    def conta(*condicoes):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*condicoes), 1), else_=0)), 0)

    por_status = []
    for status in StatusNFSe:
        por_status += [conta(NFSe.status == status, NFSe.criado_em >= inicio_dia), conta(NFSe.status == status)]
    empresas = sa.select(sa.func.count(Empresa.id)).where(
        Empresa.ativa, _da_firma(Empresa.contabilidade_id, contabilidade)
    )
    ultimo_certificado = (
        sa.select(sa.func.max(Certificado.valido_ate).label("ate"))
        .join(Empresa, Empresa.id == Certificado.empresa_id)
        .where(Empresa.ativa, _da_firma(Empresa.contabilidade_id, contabilidade))
        .group_by(Certificado.empresa_id)
        .subquery()
    )
    vencendo = (
        sa.select(sa.func.count())
        .select_from(ultimo_certificado)
        .where(ultimo_certificado.c.ate <= hoje + timedelta(days=30))
    )
    ativas = (
        sa.select(sa.func.count(Sessao.id))
        .join(Empresa, Empresa.id == Sessao.empresa_id)
        .where(Sessao.estado.not_in(ESTADOS_FINAIS), _da_firma(Empresa.contabilidade_id, contabilidade))
    )
    llm = (
        sa.select(
            sa.func.count(Mensagem.id).label("chamadas"),
            sa.func.coalesce(sa.func.sum(Mensagem.tokens_in), 0).label("entrada"),
            sa.func.coalesce(sa.func.sum(Mensagem.tokens_out), 0).label("saida"),
        )
        .join(Sessao, Sessao.id == Mensagem.sessao_id)
        .join(Empresa, Empresa.id == Sessao.empresa_id)
        .where(
            Mensagem.llm_chamado, Mensagem.criado_em >= inicio_mes, _da_firma(Empresa.contabilidade_id, contabilidade)
        )
    ).subquery()
    atencao = sa.select(sa.func.count(NFSe.id)).where(NFSe.status.in_(ATENCAO), da_firma)
    linha = db.session.execute(
        sa.select(
            *por_status,
            conta(NFSe.status == StatusNFSe.CONCLUIDA, NFSe.criado_em >= inicio_dia),
            sa.func.coalesce(sa.func.sum(sa.case((NFSe.status == StatusNFSe.CONCLUIDA, NFSe.valor), else_=0)), 0),
            empresas.scalar_subquery(),
            vencendo.scalar_subquery(),
            ativas.scalar_subquery(),
            atencao.scalar_subquery(),
            sa.func.max(llm.c.chamadas),
            sa.func.max(llm.c.entrada),
            sa.func.max(llm.c.saida),
        )
        .select_from(llm)
        .outerjoin(NFSe, sa.and_(da_firma, NFSe.criado_em >= inicio_mes))
    ).one()
    status = {
        s.value: {"rotulo": rotulos.rotulo(s), "hoje": int(linha[2 * i]), "mes": int(linha[2 * i + 1])}
        for i, s in enumerate(StatusNFSe)
    }
    base = 2 * len(StatusNFSe)
    tokens_in, tokens_out = int(linha[base + 7]), int(linha[base + 8])
    custo = custo_usd(tokens_in, tokens_out, current_app.config)
    recentes = db.session.execute(
        sa.select(Sessao.id, Sessao.telefone, Sessao.estado, Sessao.atualizado_em, Empresa.razao_social)
        .join(Empresa, Empresa.id == Sessao.empresa_id)
        .where(_da_firma(Empresa.contabilidade_id, contabilidade))
        .order_by(Sessao.atualizado_em.desc())
        .limit(10)
    ).all()
    avisos = db.session.execute(
        sa.select(Notificacao.tipo, Notificacao.mensagem, Notificacao.criado_em)
        .where(_da_firma(Notificacao.contabilidade_id, contabilidade))
        .order_by(Notificacao.criado_em.desc())
        .limit(10)
    ).all()
    return {
        "status": status,
        "emitidas_hoje": int(linha[base]),
        "faturado_mes": Decimal(linha[base + 1]),
        "empresas": int(linha[base + 2] or 0),
        "certificados_vencendo": int(linha[base + 3] or 0),
        "sessoes_ativas": int(linha[base + 4] or 0),
        "precisam_atencao": int(linha[base + 5] or 0),
        "llm_chamadas": int(linha[base + 6] or 0),
        "llm_tokens": (tokens_in, tokens_out),
        "llm_custo": custo.quantize(Decimal("0.01")),
        "recentes": [dict(r._mapping) for r in recentes],
        "avisos": [dict(a._mapping) for a in avisos],
        "gerado_em": relogio.agora(),
    }


def numeros_em_cache(contabilidade: int | None) -> dict:
    chave = f"painel:{contabilidade if contabilidade is not None else 'todas'}"
    dados = cache.get(chave)
    if dados is None:
        dados = numeros(contabilidade)
        cache.set(chave, dados, timeout=current_app.config["DASHBOARD_CACHE_SECONDS"])
    return dados


def _atalhos() -> dict:
    """Where each card and status line leads: the matching list, already filtered."""
    from flask_admin.contrib.sqla import filters

    from .filtros import PeriodoLocal, periodo, url_filtrada, vista
    from .views.certificados import VenceEm30Dias

    notas = vista("notas")
    hoje = relogio.agora_local().replace(hour=0, minute=0, second=0, microsecond=0)
    finais = ",".join(estado.name for estado in ESTADOS_FINAIS)
    return {
        "empresas": url_filtrada(vista("empresas"), ("Ativa", filters.BooleanEqualFilter, "1")),
        "emitidas_hoje": url_filtrada(
            notas,
            ("Situação", filters.FilterEqual, StatusNFSe.CONCLUIDA.value),
            ("Período", PeriodoLocal, periodo(hoje, hoje.replace(hour=23, minute=59, second=59))),
        ),
        "precisam_atencao": url_filtrada(
            notas, ("Situação", filters.FilterInList, ",".join(status.value for status in ATENCAO))
        ),
        "certificados_vencendo": url_filtrada(vista("certificados"), ("Vence em 30 dias", VenceEm30Dias, "sim")),
        "sessoes_ativas": url_filtrada(vista("sessoes"), ("Estado", filters.EnumFilterNotInList, finais)),
        "status": {
            status.value: url_filtrada(notas, ("Situação", filters.FilterEqual, status.value)) for status in StatusNFSe
        },
    }


class Painel(IndiceProtegido):
    @expose("/")
    def index(self):
        return self.render("admin/painel.html", atalhos=_atalhos(), **numeros_em_cache(contabilidade_id()))
