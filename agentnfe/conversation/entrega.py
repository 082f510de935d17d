"""Delivery of stored replies, in order per phone: a phone's oldest pending reply goes first, then the next.

Each attempt takes a short lease on the row (one conditional UPDATE), calls the provider outside any
transaction, then records the outcome in one more UPDATE. A reply the provider cannot take now waits (5 s,
15 s, 30 s, 1 min, 2 min, 5 min, then every 10 min) and every later reply to that phone waits behind it, for
DELIVERY_RETRY_HOURS after it was written; then it is marked `falhou` (the admin lists it, with "reenviar") and
the next one goes. A reply whose provider is not configured stays stored and pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from agentnfe.infra import metricas, relogio
from agentnfe.infra.extensions import db

from ..emission import links, pdfs
from ..integrations import whatsapp
from ..models import Direcao, Envio, Mensagem, NFSe, Provider, Sessao, TipoMensagem
from . import escrita

log = logging.getLogger(__name__)
ESPERAS = (5, 15, 30, 60, 120, 300, 600)
"""Seconds before the next attempt after the 1st, 2nd… failure; the last repeats."""
LEASE = timedelta(minutes=2)
"""How long an attempt in progress holds its reply (longer than any provider call may take)."""

_CAMPOS = (
    Mensagem.id,
    Mensagem.provider,
    Mensagem.instance,
    Mensagem.tipo,
    Mensagem.texto,
    Mensagem.criado_em,
    Mensagem.entrega_tentativas,
    Mensagem.entrega_em,
    Mensagem.entregar_ate,
    Sessao.telefone,
    NFSe.id_integracao,
)


@dataclass(frozen=True)
class Vez:
    """The reply whose turn it is, read with all its delivery needs."""

    id: int
    provider: Provider
    instance: str
    tipo: TipoMensagem
    texto: str | None
    criado_em: datetime
    entrega_tentativas: int
    entrega_em: datetime | None
    entregar_ate: datetime | None
    telefone: str
    id_integracao: str | None


@dataclass(frozen=True)
class Adiada:
    """A reply waiting for its next attempt, `segundos` from now; the phone's later replies wait behind it.

    `ate` is the wait as stored on the row: the retry that carries it may take the reply even if it runs a little
    early, and only while nobody took it meanwhile (a compare-and-set on the stored instant).
    """

    mensagem_id: int
    segundos: int
    ate: datetime


def _pendentes():
    return (
        sa.select(*_CAMPOS)
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .outerjoin(NFSe, Mensagem.nfse_id == NFSe.id)
        .where(Mensagem.direcao == Direcao.SAIDA, Mensagem.envio == Envio.PENDENTE)
        .order_by(Mensagem.id)
        .limit(1)
    )


def _primeira_do_telefone_de(mensagem_id: int) -> Vez | None:
    """The oldest pending reply to the phone (and provider) of this message, in one query."""
    dono = (
        sa.select(Sessao.telefone, Mensagem.provider)
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .where(Mensagem.id == mensagem_id, Mensagem.direcao == Direcao.SAIDA)
        .subquery()
    )
    consulta = _pendentes().join(
        dono, sa.and_(Sessao.telefone == dono.c.telefone, Mensagem.provider == dono.c.provider)
    )
    linha = db.session.execute(consulta).first()
    return Vez(*linha) if linha else None


def _seguinte(vez: Vez) -> Vez | None:
    consulta = _pendentes().where(Sessao.telefone == vez.telefone, Mensagem.provider == vez.provider)
    linha = db.session.execute(consulta).first()
    return Vez(*linha) if linha else None


def entregar(mensagem_id: int, espera: datetime | None = None) -> Adiada | None:
    """Deliver the pending replies of this reply's phone, oldest first (`espera`: this call is the retry of the
    wait stored on that reply).

    Returns the reply to try again and when (the phone's oldest reply waits after a failure this call saw), or
    None: all delivered, the queue is held by an attempt in progress or by another reply's wait, or the provider
    is off.
    """
    vez = _primeira_do_telefone_de(mensagem_id)
    db.session.rollback()  # no transaction stays open during the provider's call
    if vez is None or not whatsapp.configurado(vez.provider):
        return None
    while vez is not None:
        agora = relogio.agora()
        prazo = vez.entregar_ate or _prazo(vez.criado_em)
        if agora > prazo:  # stored while the provider was off or the workers stopped: too late to say it now
            log.error("reply %s to phone …%s not sent: past its delivery deadline", vez.id, vez.telefone[-4:])
            _registrar(vez.id, envio=Envio.FALHOU)
            metricas.mensagem("saida", "expired")
        elif not _reservar(vez.id, agora, espera if vez.id == mensagem_id else None):
            return None  # an attempt in progress, or a wait whose retry comes back for it (and for the rest)
        else:
            adiada = _tentar(vez, agora, prazo)
            if adiada is not None:
                return adiada
        vez = _seguinte(vez)
        db.session.rollback()
    return None


def _tentar(vez: Vez, agora: datetime, prazo: datetime) -> Adiada | None:
    """One attempt at a leased reply; its wait for the next, or None when it is settled."""
    try:
        provider_id = _enviar(vez)
    except whatsapp.EntregaFalhou as erro:
        segundos = ESPERAS[min(vez.entrega_tentativas, len(ESPERAS) - 1)]
        ate = agora + timedelta(seconds=segundos)
        if erro.temporaria and ate < prazo:
            log.warning("reply %s not delivered yet (%s); next attempt in %d s", vez.id, erro, segundos)
            _registrar(vez.id, entrega_tentativas=vez.entrega_tentativas + 1, entrega_em=ate)
            metricas.entrega("retry")
            return Adiada(vez.id, segundos, ate)
        log.error("reply %s to phone …%s failed for good: %s", vez.id, vez.telefone[-4:], erro)
        _registrar(vez.id, envio=Envio.FALHOU, entrega_tentativas=vez.entrega_tentativas + 1, entrega_em=None)
        metricas.entrega("failed")
        metricas.mensagem("saida", "failed")
        return None
    _registrar(vez.id, envio=Envio.ENVIADA, provider_id=provider_id, entrega_em=None)
    metricas.entrega("sent")
    metricas.mensagem("saida", "sent")
    return None


def _prazo(desde: datetime) -> datetime:
    return desde + timedelta(hours=current_app.config["DELIVERY_RETRY_HOURS"])


def _reservar(mensagem_id: int, agora: datetime, espera: datetime | None) -> bool:
    """Take the reply for one attempt, unless it is delivered, leased or waiting — a wait is over when it is
    due, or when its own retry (`espera`, the instant stored) comes for it, a little early or not."""
    livre = sa.or_(Mensagem.entrega_em.is_(None), Mensagem.entrega_em <= agora)
    if espera is not None:
        livre = sa.or_(livre, Mensagem.entrega_em == espera)
    reservada = escrita.reservar_entrega(mensagem_id, livre, agora + LEASE)
    db.session.commit()
    return reservada


def _registrar(mensagem_id: int, **valores) -> None:
    escrita.anotar_entrega(mensagem_id, **valores)
    db.session.commit()


def _enviar(vez: Vez) -> str | None:
    if vez.tipo is TipoMensagem.DOCUMENTO:
        return _enviar_pdf(vez)
    return whatsapp.enviar_texto(vez.provider, vez.instance, vez.telefone, vez.texto or "")


def _enviar_pdf(vez: Vez) -> str | None:
    """A note's PDF as a WhatsApp document, captioned with the note's signed link (the message text)."""
    if vez.id_integracao is None:
        raise whatsapp.EntregaFalhou("document message without a note", temporaria=False)
    if not pdfs.guardar_por_integracao(vez.id_integracao):
        raise whatsapp.EntregaFalhou("the note's PDF is not available yet", temporaria=True)
    pdf = links.caminho_pdf(vez.id_integracao).read_bytes()
    nome = f"NFS-e {vez.id_integracao}.pdf"
    return whatsapp.enviar_documento(vez.provider, vez.instance, vez.telefone, pdf, nome, vez.texto or "")


def reenviar(ids: list[int]) -> list[int]:
    """Undelivered replies (`falhou`) go back to the phone's queue, as support asked; returns those requeued."""
    requeued = escrita.reenfileirar(ids, _prazo(relogio.agora()))
    db.session.commit()
    return requeued
