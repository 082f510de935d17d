"""Cancelling an authorized note at the gateway: the request, then its follow-up until accepted or refused."""

from __future__ import annotations

import logging
from datetime import timedelta

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao

from ..fiscal import cancelamento as regras
from ..models import AcaoTentativa, NFSe, SituacaoCancelamento, StatusNFSe
from . import mensagens, registro
from .avisos import notificar
from .gateways import GatewayIndisponivel, GatewayRecusou, RespostaGateway, gateway_da_nota
from .registro import Efeitos, Registro, anunciar, carregar, commit, proximo_intervalo, reservar, rotulo, tentativa
from .service import JANELA, SITUACOES, aplicar, de_volta

log = logging.getLogger(__name__)


def solicitar(
    nfse_id: int,
    codigo: int,
    motivo: str,
    origem: str = "sistema",
    usuario_id: int | None = None,
    ultima_tentativa: bool = False,
) -> Efeitos:
    """Ask the gateway to cancel an authorized note; the status changes when the gateway confirms."""
    codigo, motivo = regras.validar(codigo, motivo)
    nota = carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.CONCLUIDA or not nota.gateway_id:
        db.session.rollback()
        return Efeitos()
    if nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO and nota.cancelamento_protocolo:
        db.session.rollback()
        return Efeitos()  # already asked: the poll follows it
    gateway_id, pedido_em, gateway = nota.gateway_id, relogio.agora(), gateway_da_nota(nota)
    autor = Registro(AcaoTentativa.CANCELAR, "", origem, usuario_id)
    if not reservar(nota):  # the lease keeps a second request from going out while this one waits
        return Efeitos(tentar_de_novo=True)
    try:
        resposta = gateway.cancelar(gateway_id, codigo, motivo)
    except GatewayRecusou as recusa:
        if (nota := _pedida(nfse_id, codigo, motivo, pedido_em)) is None:
            return Efeitos()
        return _encerrado(nota, SituacaoCancelamento.RECUSADO, recusa.detalhe(), autor, recusa.bruto)
    except GatewayIndisponivel as erro:
        if not ultima_tentativa:
            log.warning("note %s: cancellation not sent (%s)", nfse_id, erro)
            _soltar(nfse_id)
            return Efeitos(tentar_de_novo=True)
        if (nota := _pedida(nfse_id, codigo, motivo, pedido_em)) is None:
            return Efeitos()
        return _encerrado(nota, SituacaoCancelamento.SEM_RESPOSTA, f"o gateway não respondeu ({erro})", autor)
    if (nota := _pedida(nfse_id, codigo, motivo, pedido_em)) is None:
        return Efeitos()
    registro.cancelamento_solicitado(nota, resposta.protocolo)
    texto = f"cancelamento pedido (código {codigo}, {regras.CODIGOS[codigo]}): {motivo}"
    tentativa(nota, autor.dizendo(texto), resposta.bruto)
    efeitos = commit(nota, Efeitos())
    efeitos.consultar_em = proximo_intervalo(0)
    return efeitos


def _pedida(nfse_id: int, codigo: int, motivo: str, pedido_em) -> NFSe | None:
    """The note read again after the request, with what was asked recorded on it."""
    nota = de_volta(nfse_id, StatusNFSe.CONCLUIDA)
    if nota is not None:
        registro.cancelamento_pedido(nota, codigo, motivo, pedido_em)
    return nota


def _soltar(nfse_id: int) -> None:
    """Give the lease back so the next try can ask again."""
    nota = de_volta(nfse_id, StatusNFSe.CONCLUIDA)
    if nota is not None:
        registro.soltar(nota)
        commit(nota, Efeitos())


def consultar(nfse_id: int, consultas: int = 0, janela: timedelta = JANELA) -> Efeitos:
    """Follow a cancellation request until the gateway accepts or refuses it; silence for 24 h is reported."""
    nota = carregar(nfse_id)
    if (
        nota is None
        or nota.status is not StatusNFSe.CONCLUIDA
        or nota.cancelamento_situacao is not SituacaoCancelamento.SOLICITADO
    ):
        db.session.rollback()
        return Efeitos()
    gateway_id, protocolo, gateway = nota.gateway_id, nota.cancelamento_protocolo, gateway_da_nota(nota)
    sem_transacao()  # no transaction stays open during the poll
    resposta = situacao = None
    try:
        resposta = gateway.consultar_cancelamento(protocolo) if protocolo else None
        if resposta is None or resposta.situacao == "processando":
            situacao = gateway.consultar(gateway_id)
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("note %s: cancellation poll failed (%s)", nfse_id, erro)
        resposta = None
    nota = de_volta(nfse_id, StatusNFSe.CONCLUIDA)
    if nota is None or nota.cancelamento_situacao is not SituacaoCancelamento.SOLICITADO:
        return Efeitos()
    confirmado = Registro(AcaoTentativa.CONSULTAR, "cancelamento confirmado")
    if situacao is not None and SITUACOES.get(situacao.situacao) is StatusNFSe.CANCELADA:
        return aplicar(nota, situacao, confirmado)
    if resposta is not None and resposta.situacao == "aceito":
        aceito = RespostaGateway("CANCELADO", gateway_id=gateway_id, mensagem=resposta.mensagem, bruto=resposta.bruto)
        return aplicar(nota, aceito, confirmado)
    if resposta is not None and resposta.situacao == "recusado":
        motivo = resposta.mensagem or "a prefeitura recusou o cancelamento"
        return _encerrado(nota, SituacaoCancelamento.RECUSADO, motivo, confirmado, resposta.bruto)
    if relogio.agora() - (nota.cancelamento_pedido_em or relogio.agora()) > janela:
        motivo = f"sem resposta do gateway ao pedido de cancelamento em {int(janela.total_seconds() // 3600)} h"
        return _encerrado(nota, SituacaoCancelamento.SEM_RESPOSTA, motivo, confirmado)
    db.session.rollback()
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))


def _encerrado(nota: NFSe, situacao: SituacaoCancelamento, motivo: str, autor: Registro, bruto=None) -> Efeitos:
    """A cancellation that was refused or never answered: the note stays authorized; user and accountant know."""
    efeitos = Efeitos()
    registro.cancelamento_respondido(nota, situacao)
    tentativa(nota, autor.dizendo(f"cancelamento {situacao.value}: {motivo}", AcaoTentativa.CANCELAR), bruto)
    notificar(
        nota.contabilidade_id,
        nota.empresa_id,
        "cancelamento_recusado" if situacao is SituacaoCancelamento.RECUSADO else "cancelamento_sem_resposta",
        f"Cancelamento da nota {rotulo(nota)} não concluído: {motivo}"[:500],
        f"nota:{nota.id_integracao}:cancelamento:{situacao.value}:{nota.cancelamento_pedido_em:%Y%m%d%H%M%S}",
    )
    texto = mensagens.cancelamento_nao_concluido(nota.numero, motivo)
    anunciar(nota, efeitos, f"cancelamento_{situacao.value}", texto, encerra=False)
    return commit(nota, efeitos)
