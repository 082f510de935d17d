"""Conversations' writer (docs/arquitetura.md §8): every change to sessao and mensagem is made here — a session
opened, its state, empresa and draft, a message stored in or out, a reply's delivery. The engine, the webhook's
intake, delivery and the sweeper decide; these functions add, set and flush, and never commit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from agentnfe.infra.extensions import db

from ..integrations.entrada import Entrada
from ..models import Direcao, Envio, Estado, Mensagem, Provider, Sessao, TipoMensagem


def nova_sessao(
    telefone: str, provider: Provider, instance: str, usuario_id: int | None, expira_em: datetime
) -> Sessao:
    """A fresh conversation for the channel, added to the database session."""
    sessao = Sessao(
        telefone=telefone,
        provider=provider,
        instance=instance,
        usuario_id=usuario_id,
        estado=Estado.COLETA,
        dados={},
        expira_em=expira_em,
    )
    db.session.add(sessao)
    return sessao


def mudar_estado(sessao: Sessao, estado: Estado) -> None:
    sessao.estado = estado


def atribuir_empresa(sessao: Sessao, empresa_id: int) -> None:
    sessao.empresa_id = empresa_id


def guardar_rascunho(sessao: Sessao, dados: dict, ultima_entrada_id: int, expira_em: datetime) -> None:
    """The draft after a message was handled, which message that was, and when the conversation idles out."""
    sessao.dados = dados
    sessao.ultima_entrada_id = ultima_entrada_id
    sessao.expira_em = expira_em


def nova_entrada(sessao_id: int, entrada: Entrada) -> Mensagem:
    mensagem = Mensagem(
        sessao_id=sessao_id,
        direcao=Direcao.ENTRADA,
        tipo=entrada.tipo,
        texto=entrada.texto,
        provider=entrada.provider,
        instance=entrada.instance,
        provider_id=entrada.provider_id,
    )
    db.session.add(mensagem)
    return mensagem


def inserir_na_sessao_aberta(comando: sa.Insert, valores: dict) -> int | None:
    """Run the webhook's INSERT … SELECT into the channel's open session; the message id, or None (none open)."""
    return db.session.connection().execute(comando, valores).scalar()


def nova_saida(
    sessao: Sessao,
    texto: str,
    provider: Provider,
    instance: str,
    tipo: TipoMensagem = TipoMensagem.TEXTO,
    chamada=None,
    nfse_id: int | None = None,
    evento: str | None = None,
) -> Mensagem:
    """An outbound message in the session, sent back through (provider, instance); what the LLM cost, if called."""
    saida = Mensagem(
        sessao=sessao,
        direcao=Direcao.SAIDA,
        tipo=tipo,
        texto=texto,
        provider=provider,
        instance=instance,
        envio=Envio.PENDENTE if provider.whatsapp else Envio.ENVIADA,
        llm_chamado=chamada is not None,
        tokens_in=chamada.tokens_in if chamada else None,
        tokens_out=chamada.tokens_out if chamada else None,
        llm_ms=chamada.ms if chamada else None,
        nfse_id=nfse_id,
        evento=evento,
    )
    db.session.add(saida)
    return saida


def expirar(estados: tuple[Estado, ...], agora: datetime) -> int:
    """Close drafts idle past their expiry; how many."""
    resultado = db.session.execute(
        sa.update(Sessao)
        .where(Sessao.estado.in_(estados), Sessao.expira_em < agora)
        .values(estado=Estado.EXPIRADA, versao=Sessao.versao + 1)
        .execution_options(synchronize_session=False)
    )
    return resultado.rowcount


def reservar_entrega(mensagem_id: int, livre, ate: datetime) -> bool:
    """Lease a pending reply for one delivery attempt (`livre`: when it may be taken); False when it cannot."""
    resultado = db.session.execute(
        sa.update(Mensagem)
        .where(Mensagem.id == mensagem_id, Mensagem.envio == Envio.PENDENTE, livre)
        .values(entrega_em=ate)
        .execution_options(synchronize_session=False)
    )
    return resultado.rowcount == 1


def gravar_entrega(mensagem_id: int, **valores) -> None:
    """What became of a pending reply's attempt (sent, failed, retry at)."""
    db.session.execute(
        sa.update(Mensagem)
        .where(Mensagem.id == mensagem_id, Mensagem.envio == Envio.PENDENTE)
        .values(**valores)
        .execution_options(synchronize_session=False)
    )


def reenfileirar(ids: list[int], prazo: datetime) -> list[int]:
    """Failed replies back to pending, as support asked; the ids requeued."""
    resultado = db.session.execute(
        sa.update(Mensagem)
        .where(Mensagem.id.in_(ids), Mensagem.direcao == Direcao.SAIDA, Mensagem.envio == Envio.FALHOU)
        .values(envio=Envio.PENDENTE, entrega_tentativas=0, entrega_em=None, entregar_ate=prazo)
        .returning(Mensagem.id)
        .execution_options(synchronize_session=False)
    )
    return list(resultado.scalars())
