"""The note's writer (docs/arquitetura.md §8): every change to nfse and nfse_tentativa is made here — the lease
and the status moves, what the gateway answered, the attempt row, what the user is to be told. The emission
kernel (service, cancelamento, replay, numeracao) decides; these functions record.

Emission never writes a session or a message: what the user must hear is stored on the note (`anuncios`) in the
same UPDATE as the outcome, and the conversation turns it into messages after this commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

from ..fiscal import formatar_brl
from ..models import AcaoTentativa, NFSe, NFSeTentativa, SituacaoCancelamento, StatusNFSe, contagem
from . import mensagens
from .avisos import notificar

log = logging.getLogger(__name__)
INTERVALOS = (5, 15, 30, 60, 120, 300)
LEASE = timedelta(minutes=2)
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


def reservar(nota: NFSe, novo_status: StatusNFSe | None = None, **valores) -> bool:
    """Take the note's lease (and move its status, with `valores`) in one conditional UPDATE; False when another
    worker holds it or moved it. The lease holds from the commit of the caller's phase."""
    instante = relogio.agora()
    if db.engine.dialect.name == "postgresql":
        livre = sa.select(NFSe.id).where(NFSe.id == nota.id).with_for_update(skip_locked=True)
        if db.session.scalar(livre) is None:
            return False
    valores["reservada_ate"] = instante + LEASE
    if novo_status is not None:
        valores |= {"status": novo_status, "enviada_em": sa.func.coalesce(NFSe.enviada_em, instante)}
    resultado = db.session.execute(
        sa.update(NFSe)
        .where(
            NFSe.id == nota.id,
            NFSe.status == nota.status,
            sa.or_(NFSe.reservada_ate.is_(None), NFSe.reservada_ate < instante),
        )
        .values(**valores)
        .execution_options(synchronize_session=False)
    )
    if resultado.rowcount != 1:
        return False
    if novo_status is not None:
        contagem.anotar(db.session, novo_status)
    db.session.expire(nota, list(valores))  # what the UPDATE wrote is read again, so later changes in the phase count
    return True


def responder(nota: NFSe, novo: StatusNFSe, resposta, instante: datetime) -> None:
    """What the gateway answered, on the note: its ids, the new status and, once authorized, what identifies the
    note (number, verification code, files, access key) and the values the authority computed."""
    nota.gateway_id = resposta.gateway_id or nota.gateway_id
    nota.protocolo = resposta.protocolo or nota.protocolo
    nota.resposta = resposta.bruto
    nota.reservada_ate = None
    nota.status = novo
    if novo is StatusNFSe.CONCLUIDA:
        nota.numero = resposta.numero
        nota.codigo_verificacao = resposta.codigo_verificacao
        nota.pdf_url, nota.xml_url = resposta.pdf_url, resposta.xml_url
        nota.chave_acesso = resposta.chave_acesso or nota.chave_acesso
        for coluna, valor in (resposta.apurado or {}).items():
            setattr(nota, coluna, valor)
        nota.emitida_em = instante
        nota.mensagem_erro = None
    elif novo is StatusNFSe.CANCELADA:
        nota.numero = nota.numero or resposta.numero


def soltar(nota: NFSe, status: StatusNFSe | None = None) -> None:
    """Give the lease back (moving the note to `status` when given)."""
    nota.reservada_ate = None
    if status is not None:
        nota.status = status


def cancelamento_pedido(nota: NFSe, codigo: int, motivo: str, instante: datetime) -> None:
    nota.cancelamento_codigo, nota.cancelamento_motivo, nota.cancelamento_pedido_em = codigo, motivo, instante


def cancelamento_solicitado(nota: NFSe, protocolo: str | None) -> None:
    nota.cancelamento_protocolo = protocolo
    nota.cancelamento_situacao = SituacaoCancelamento.SOLICITADO
    nota.reservada_ate = None


def cancelamento_respondido(nota: NFSe, situacao: SituacaoCancelamento) -> None:
    nota.cancelamento_situacao = situacao
    nota.reservada_ate = None


def nova(**campos) -> NFSe:
    """Add a pending note (its integration id is given before the INSERT, by the model)."""
    nota = NFSe(**campos)
    db.session.add(nota)
    return nota


def corrigir(nota: NFSe, **valores) -> None:
    """An accountant's correction of a note the gateway does not hold (agentnfe.emission.notas.corrigir decides)."""
    for campo, valor in valores.items():
        setattr(nota, campo, valor)


def preencher_do_formulario(form, nota: NFSe) -> None:
    """The admin's correction form onto the note (`notas.corrigir` then settles and checks it)."""
    form.populate_obj(nota)


def de_novo(nota: NFSe, id_integracao: str) -> None:
    """A rejected note goes out again under a new integration id, with a new DPS number, through the empresa's
    gateway of today."""
    nota.id_integracao = id_integracao
    nota.status = StatusNFSe.PENDENTE
    nota.mensagem_erro = None
    nota.gateway = nota.serie_dps = nota.numero_dps = None


def numerar(nfse_id: int, serie: str, numero: int) -> bool:
    """Store the DPS number on a note that has none; False when another worker numbered it first."""
    guardado = db.session.execute(
        sa.update(NFSe)
        .where(NFSe.id == nfse_id, NFSe.numero_dps.is_(None))
        .values(serie_dps=serie, numero_dps=numero)
        .execution_options(synchronize_session=False)
    )
    return guardado.rowcount == 1


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


def gravar(efeitos: Efeitos) -> Efeitos:
    """Send the note's transition to the database now. A lost compare-and-set on its status (another worker moved
    it) raises StaleDataError here; the phase rolls back and `movida` decides."""
    db.session.flush()
    return efeitos


def movida(nfse_id: int) -> Efeitos:
    """After a transition lost to another worker (its phase rolled back): a note found still processing keeps
    being polled, so it is never left without a follower."""
    status = db.session.scalar(sa.select(NFSe.status).where(NFSe.id == nfse_id))
    log.info("note %s moved to %s meanwhile; this transition is not applied", nfse_id, status)
    return Efeitos(consultar_em=proximo_intervalo(0) if status is StatusNFSe.PROCESSANDO else None)


def encerrar(nota: NFSe, status: StatusNFSe, motivo: str, registro: Registro, bruto, resumo: str, chave: str, texto):
    """A note that went wrong: record it, file a notice for the accountant, tell the user in plain words."""
    efeitos = Efeitos()
    nota.status = status
    nota.mensagem_erro = motivo[:2000]
    nota.reservada_ate = None
    tentativa(nota, registro, bruto)
    notificar(nota.contabilidade_id, nota.empresa_id, f"nota_{status.value}", resumo[:500], chave)
    anunciar(nota, efeitos, status.value, texto)
    return gravar(efeitos)


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
