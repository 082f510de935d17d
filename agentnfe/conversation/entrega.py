"""Delivery of stored replies, in order per phone: a phone's oldest pending reply goes first, then the next.

The protocol's phases are run by tasks.entrega: each attempt takes a short lease on the row (`tomar`: one
conditional UPDATE), calls the provider outside any transaction (`enviar`), then records the outcome in one more
UPDATE (`gravar_resultado`). A reply the provider cannot take now waits (5 s,
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


def seguinte(vez: Vez) -> Vez | None:
    """The phone's next pending reply after `vez` was settled."""
    consulta = _pendentes().where(Sessao.telefone == vez.telefone, Mensagem.provider == vez.provider)
    linha = db.session.execute(consulta).first()
    return Vez(*linha) if linha else None


@dataclass(frozen=True)
class Tentativa:
    """A reply leased for one attempt: when the attempt started and until when the reply may still go."""

    agora: datetime
    prazo: datetime


def primeira_do_telefone(mensagem_id: int) -> Vez | None:
    """The oldest pending reply to this reply's phone; None when there is none or its provider is off."""
    vez = _primeira_do_telefone_de(mensagem_id)
    return vez if vez is not None and whatsapp.configurado(vez.provider) else None


def tomar(vez: Vez, espera: datetime | None) -> Tentativa | bool:
    """Lease the reply for one attempt (`espera`: this is the retry of the wait stored on it). False when it
    cannot be taken — an attempt in progress, or a wait whose retry comes back for it and for the rest; True
    when it is past its deadline, marked `falhou` and the next reply may go."""
    agora = relogio.agora()
    prazo = vez.entregar_ate or _prazo(vez.criado_em)
    if agora > prazo:  # stored while the provider was off or the workers stopped: too late to say it now
        log.error("reply %s to phone …%s not sent: past its delivery deadline", vez.id, vez.telefone[-4:])
        escrita.gravar_entrega(vez.id, envio=Envio.FALHOU)
        metricas.mensagem("saida", "expired")
        return True
    livre = sa.or_(Mensagem.entrega_em.is_(None), Mensagem.entrega_em <= agora)
    if espera is not None:
        livre = sa.or_(livre, Mensagem.entrega_em == espera)
    return Tentativa(agora, prazo) if escrita.reservar_entrega(vez.id, livre, agora + LEASE) else False


def enviar(vez: Vez) -> str | whatsapp.EntregaFalhou:
    """Hand the reply to its provider (no transaction may be open): the provider's message id, or the failure."""
    try:
        return _enviar(vez) or ""
    except whatsapp.EntregaFalhou as erro:
        return erro


def gravar_resultado(vez: Vez, tentativa: Tentativa, resultado: str | whatsapp.EntregaFalhou) -> Adiada | None:
    """What the attempt gave: delivered, to try again later (the wait, behind which the phone's later replies
    stay), or failed for good."""
    if not isinstance(resultado, whatsapp.EntregaFalhou):
        escrita.gravar_entrega(vez.id, envio=Envio.ENVIADA, provider_id=resultado or None, entrega_em=None)
        metricas.entrega("sent")
        metricas.mensagem("saida", "sent")
        return None
    segundos = ESPERAS[min(vez.entrega_tentativas, len(ESPERAS) - 1)]
    ate = tentativa.agora + timedelta(seconds=segundos)
    if resultado.temporaria and ate < tentativa.prazo:
        log.warning("reply %s not delivered yet (%s); next attempt in %d s", vez.id, resultado, segundos)
        escrita.gravar_entrega(vez.id, entrega_tentativas=vez.entrega_tentativas + 1, entrega_em=ate)
        metricas.entrega("retry")
        return Adiada(vez.id, segundos, ate)
    log.error("reply %s to phone …%s failed for good: %s", vez.id, vez.telefone[-4:], resultado)
    escrita.gravar_entrega(vez.id, envio=Envio.FALHOU, entrega_tentativas=vez.entrega_tentativas + 1, entrega_em=None)
    metricas.entrega("failed")
    metricas.mensagem("saida", "failed")
    return None


def _prazo(desde: datetime) -> datetime:
    return desde + timedelta(hours=current_app.config["DELIVERY_RETRY_HOURS"])


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
    return escrita.reenfileirar(ids, _prazo(relogio.agora()))
