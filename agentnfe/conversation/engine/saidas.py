"""What the bot says: replies, notices nobody asked for, and the announcements of a note's outcomes.

A note's outcomes reach the conversation only here (`anunciar_nota`): emission stores what the user is to be told
on the note, and this writes each announcement once as a message, closing the conversation that waited for it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao

from ...models import Envio, Estado, Mensagem, NFSe, Provider, Sessao, TipoMensagem
from .. import escrita, respostas
from ..llm import ChamadaLLM
from .canal import nova_sessao, sessao_aberta, travar

log = logging.getLogger(__name__)
ATTEMPTS = 5


def nova_saida(
    sessao: Sessao,
    texto: str,
    chamada: ChamadaLLM | None = None,
    canal: Sessao | Mensagem | None = None,
    tipo: TipoMensagem = TipoMensagem.TEXTO,
    nfse_id: int | None = None,
    evento: str | None = None,
) -> Mensagem:
    """An outbound message in the session, sent back through the channel (provider, instance) of `canal`: the
    message it answers, the session a note came from, or by default the session itself."""
    canal = canal or sessao
    return escrita.nova_saida(sessao, texto, canal.provider, canal.instance, tipo, chamada, nfse_id, evento)


def _a_entregar(mensagens: list[Mensagem]) -> list[int]:
    db.session.flush()
    return [m.id for m in mensagens if m.envio is Envio.PENDENTE]


def _aberta_da_empresa(telefone: str, usuario_id: int | None, empresa_id: int) -> Sessao | None:
    """The channel's open conversation when it is about this empresa: what the bot says about an empresa is
    stored there or in a conversation of that empresa, never in one of another empresa or firm."""
    sessao = db.session.scalar(sessao_aberta(telefone, usuario_id))
    return sessao if sessao is not None and sessao.empresa_id == empresa_id else None


def avisar_telefones(avisos: list[tuple[str, int, str]]) -> list[int]:
    """Messages nobody asked for (certificate expiry…) about an empresa, as (phone, empresa id, text), through
    Evolution's default instance, committed with whatever the caller wrote; returns the ids to deliver.

    Each is stored in that empresa's conversation: the phone's open one when it is about that empresa, else a
    closed conversation of its own — never the open conversation of another empresa (a phone may serve empresas
    of two firms, and each firm reads only its own)."""
    with transacao():
        saidas = []
        for telefone, empresa_id, texto in avisos:
            sessao = _aberta_da_empresa(telefone, None, empresa_id)
            if sessao is None:
                sessao = nova_sessao(telefone, Provider.EVOLUTION, current_app.config["EVOLUTION_INSTANCE"] or "")
                escrita.atribuir_empresa(sessao, empresa_id)
                escrita.mudar_estado(sessao, Estado.CONCLUIDA)
            saidas.append(nova_saida(sessao, texto))
        return _a_entregar(saidas)


def aviso_de_limite(telefone: str) -> int | None:
    """Store the 'too many messages' notice in the phone's open session; returns its id to deliver."""
    with transacao():
        sessao = db.session.scalar(sessao_aberta(telefone))
        ids = _a_entregar([nova_saida(sessao, respostas.LIMITE)]) if sessao is not None else []
    return ids[0] if ids else None


def anunciar_nota(nfse_id: int) -> list[int]:
    """Write the note's announcements that have no message yet and commit; returns the ids to deliver.

    They go into the channel's open session when it is about the note's empresa (a user who started another
    note sees them there), else into the note's own session — never into a conversation of another empresa or
    firm — through the channel the note was asked on. An announcement that ends the note closes the session that
    waited for it (EMITINDO → CONCLUIDA). Safe to run twice: each event gives one message.
    """
    for tentativa in range(1, ATTEMPTS + 1):
        try:
            with transacao():
                return _anunciar(nfse_id)
        except (StaleDataError, IntegrityError):  # the phase was rolled back: read and write again
            log.info(
                "note %s: its conversation changed while announcing (attempt %d); reading again", nfse_id, tentativa
            )
    raise RuntimeError(f"could not announce note {nfse_id} after {ATTEMPTS} attempts")


def _anunciar(nfse_id: int) -> list[int]:
    nota = db.session.execute(
        sa.select(NFSe.anuncios, NFSe.empresa_id, Sessao.id.label("sessao_id"), Sessao.telefone, Sessao.usuario_id)
        .join(Sessao, NFSe.sessao_id == Sessao.id)
        .where(NFSe.id == nfse_id)
    ).first()
    if nota is None or not nota.anuncios:
        return []
    travar(nota.telefone, nota.usuario_id)
    ditos = set(db.session.scalars(sa.select(Mensagem.evento).where(Mensagem.nfse_id == nfse_id)))
    novos = [a for a in nota.anuncios if a["evento"] not in ditos]
    if not novos:
        return []
    origem = db.session.get(Sessao, nota.sessao_id)
    destino = _aberta_da_empresa(nota.telefone, nota.usuario_id, nota.empresa_id) or origem
    saidas = []
    for anuncio in novos:
        tipo = TipoMensagem.DOCUMENTO if anuncio["documento"] else TipoMensagem.TEXTO
        saidas.append(nova_saida(destino, anuncio["texto"], canal=origem, tipo=tipo, nfse_id=nfse_id,
                                 evento=anuncio["evento"]))  # fmt: skip
        if anuncio["encerra"] and origem.estado is Estado.EMITINDO:
            escrita.mudar_estado(origem, Estado.CONCLUIDA)
    return _a_entregar(saidas)
