"""How a note's outcomes are recorded: the attempt row, the notice for the accountant, what the user is to be told.

Emission never writes a session or a message: what the user must hear is stored on the note (`anuncios`) in the
same UPDATE as the outcome, and the conversation turns it into messages after this commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..fiscal import formatar_brl
from ..models import AcaoTentativa, NFSe, NFSeTentativa, StatusNFSe
from . import mensagens
from .avisos import notificar

log = logging.getLogger(__name__)
INTERVALOS = (5, 15, 30, 60, 120, 300)
INTERVALO_MAXIMO = 600


@dataclass
class Efeitos:
    """What the caller (a task) must do after an operation committed."""

    anunciar: bool = False
    """The note carries new announcements for the user (the conversation writes them)."""
    consultar_em: int | None = None
    """Seconds until the next status poll, when the note is still being processed."""
    tentar_de_novo: bool = False
    baixar_pdf: bool = False


@dataclass(frozen=True)
class Registro:
    """Who learned what about a note: the attempt row of an operation."""

    acao: AcaoTentativa
    resultado: str
    origem: str = "sistema"
    usuario_id: int | None = None

    def dizendo(self, resultado: str, acao: AcaoTentativa | None = None) -> Registro:
        """The same author, with what was learned (and another action, when given)."""
        return replace(self, resultado=resultado, acao=acao or self.acao)


def proximo_intervalo(consultas: int) -> int:
    """Polling schedule: 5 s, 15 s, 30 s, 1 min, 2 min, 5 min, then every 10 min."""
    return INTERVALOS[consultas] if consultas < len(INTERVALOS) else INTERVALO_MAXIMO


def carregar(nfse_id: int) -> NFSe | None:
    return db.session.scalar(
        sa.select(NFSe)
        .options(joinedload(NFSe.empresa), joinedload(NFSe.servico), joinedload(NFSe.tomador), joinedload(NFSe.sessao))
        .where(NFSe.id == nfse_id)
    )


def rotulo(nota: NFSe) -> str:
    return f"nº {nota.numero}" if nota.numero else f"de {formatar_brl(nota.valor)}"


def tentativa(nota: NFSe, registro: Registro, resposta=None) -> None:
    db.session.add(
        NFSeTentativa(
            nfse=nota,
            acao=registro.acao,
            usuario_id=registro.usuario_id,
            origem=registro.origem,
            id_integracao=nota.id_integracao,
            resultado=registro.resultado[:500],
            status_resultante=nota.status,
            resposta=resposta,
        )
    )


def anunciar(nota: NFSe, efeitos: Efeitos, tipo: str, texto: str, encerra: bool = True, documento: bool = False):
    """Tell the person who asked for the note in a conversation (notes made elsewhere have none).

    `encerra`: the conversation that confirmed the note leaves EMITINDO; `documento`: the text is the PDF link,
    sent as a WhatsApp document. Each announcement has its own event, so writing it twice (a retried task,
    the sweeper) gives one message.
    """
    if nota.sessao_id is None:
        return
    anteriores = list(nota.anuncios or [])
    evento = f"{len(anteriores) + 1}:{tipo}"
    nota.anuncios = [*anteriores, {"evento": evento, "texto": texto, "documento": documento, "encerra": encerra}]
    nota.ultimo_anuncio = evento
    efeitos.anunciar = True


def commit(nota: NFSe, efeitos: Efeitos) -> Efeitos:
    """Commit the note's transition. A lost compare-and-set on its status means another worker moved it: read it
    again and decide; a note found still processing keeps being polled, so it is never left without a follower."""
    nfse_id = nota.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        status = db.session.scalar(sa.select(NFSe.status).where(NFSe.id == nfse_id))
        log.info("note %s moved to %s meanwhile; this transition is not applied", nfse_id, status)
        return Efeitos(consultar_em=proximo_intervalo(0) if status is StatusNFSe.PROCESSANDO else None)
    return efeitos


def encerrar(nota: NFSe, status: StatusNFSe, motivo: str, registro: Registro, bruto, resumo: str, chave: str, texto):
    """A note that went wrong: record it, file a notice for the accountant, tell the user in plain words."""
    efeitos = Efeitos()
    nota.status = status
    nota.mensagem_erro = motivo[:2000]
    nota.reservada_ate = None
    tentativa(nota, registro, bruto)
    notificar(nota.contabilidade_id, nota.empresa_id, f"nota_{status.value}", resumo[:500], chave)
    anunciar(nota, efeitos, status.value, texto)
    return commit(nota, efeitos)


def rejeitar(
    nota: NFSe, motivo: str, bruto, registro: Registro, denegada: bool = False, para_usuario: str | None = None
) -> Efeitos:
    """The gateway or the city refused the note: the accountant is told why verbatim, the user `para_usuario`
    when the gateway's words are codes nobody outside the office reads."""
    estado = "denegada" if denegada else "rejeitada"
    resumo = f"Nota de {formatar_brl(nota.valor)} {estado}: {motivo}"
    registro = registro.dizendo(f"{estado}: {motivo}")
    texto = mensagens.denegada(motivo) if denegada else mensagens.rejeitada(para_usuario or motivo)
    return encerrar(
        nota, StatusNFSe.REJEITADA, motivo, registro, bruto, resumo, f"nota:{nota.id_integracao}:{estado}", texto
    )


def falhar(nota: NFSe, motivo: str, registro: Registro) -> Efeitos:
    """Mark a note `erro`: it surely never reached the gateway (data missing, certificate, refused connection)."""
    resumo = f"Nota de {formatar_brl(nota.valor)} não emitida: {motivo}"
    registro = registro.dizendo(f"erro: {motivo}")
    chave = f"nota:{nota.id_integracao}:erro:{motivo[:40]}"
    return encerrar(nota, StatusNFSe.ERRO, motivo, registro, None, resumo, chave, mensagens.erro(motivo))


def atencao(nota: NFSe, motivo: str, registro: Registro) -> Efeitos:
    """The outcome is unknown: support must look (the gateway may or may not have the note)."""
    resumo = f"Nota de {formatar_brl(nota.valor)} sem resposta do gateway ({motivo}); verifique e reprocesse."
    chave = f"nota:{nota.id_integracao}:atencao"
    return encerrar(nota, StatusNFSe.ATENCAO, motivo, registro, None, resumo, chave, mensagens.atencao())
