"""Cancelling an authorized note at the gateway: the request, then its follow-up until accepted or refused."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from agentnfe.infra import relogio
from agentnfe.infra.transacao import sem_transacao

from ..fiscal import cancelamento as regras
from ..models import AcaoTentativa, NFSe, SituacaoCancelamento, StatusNFSe
from . import mensagens, registro
from .avisos import notificar
from .gateways import GatewayIndisponivel, GatewayRecusou, RespostaGateway, gateway_da_nota
from .registro import Efeitos, Registro, anunciar, carregar, gravar, proximo_intervalo, reservar, rotulo, tentativa
from .service import JANELA, SITUACOES, aplicar, de_volta, fase

log = logging.getLogger(__name__)


def solicitar(
    nfse_id: int,
    codigo: int,
    motivo: str,
    origem: str = "sistema",
    usuario_id: int | None = None,
    ultima_tentativa: bool = False,
) -> Efeitos:
    """Ask the gateway to cancel an authorized note, phase by phase: lease it, ask outside any transaction, record
    what was asked and answered; the status changes when the gateway confirms."""
    codigo, motivo = regras.validar(codigo, motivo)
    autor = Registro(AcaoTentativa.CANCELAR, "", origem, usuario_id)
    pedido_em = relogio.agora()
    pedido = fase(nfse_id, lambda: _reservar_pedido(nfse_id))
    if isinstance(pedido, Efeitos):
        return pedido
    gateway_id, gateway = pedido
    try:
        resposta = gateway.cancelar(gateway_id, codigo, motivo)
    except GatewayRecusou as recusa:
        situacao, texto, bruto = SituacaoCancelamento.RECUSADO, recusa.detalhe(), recusa.bruto
        return fase(
            nfse_id, partial(_sem_cancelamento, nfse_id, codigo, motivo, pedido_em, situacao, texto, autor, bruto)
        )
    except GatewayIndisponivel as erro:
        if not ultima_tentativa:
            log.warning("note %s: cancellation not sent (%s)", nfse_id, erro)
            fase(nfse_id, lambda: _soltar(nfse_id))
            return Efeitos(tentar_de_novo=True)
        situacao, texto = SituacaoCancelamento.SEM_RESPOSTA, f"o gateway não respondeu ({erro})"
        return fase(nfse_id, partial(_sem_cancelamento, nfse_id, codigo, motivo, pedido_em, situacao, texto, autor))
    return fase(nfse_id, lambda: _solicitado(nfse_id, codigo, motivo, pedido_em, resposta, autor))


def _reservar_pedido(nfse_id: int) -> tuple[str, object] | Efeitos:
    """Phase: the lease keeps a second request from going out while this one waits; (gateway id, gateway)."""
    nota = carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.CONCLUIDA or not nota.gateway_id:
        return Efeitos()
    if nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO and nota.cancelamento_protocolo:
        return Efeitos()  # already asked: the poll follows it
    gateway_id, gateway = nota.gateway_id, gateway_da_nota(nota)
    return (gateway_id, gateway) if reservar(nota) else Efeitos(tentar_de_novo=True)


def _solicitado(nfse_id: int, codigo: int, motivo: str, pedido_em, resposta, autor: Registro) -> Efeitos:
    if (nota := _pedida(nfse_id, codigo, motivo, pedido_em)) is None:
        return Efeitos()
    registro.cancelamento_solicitado(nota, resposta.protocolo)
    texto = f"cancelamento pedido (código {codigo}, {regras.CODIGOS[codigo]}): {motivo}"
    tentativa(nota, autor.dizendo(texto), resposta.bruto)
    return gravar(Efeitos(consultar_em=proximo_intervalo(0)))


def _sem_cancelamento(
    nfse_id: int, codigo: int, motivo: str, pedido_em, situacao, texto: str, autor: Registro, bruto=None
) -> Efeitos:
    if (nota := _pedida(nfse_id, codigo, motivo, pedido_em)) is None:
        return Efeitos()
    return _encerrado(nota, situacao, texto, autor, bruto)


def _pedida(nfse_id: int, codigo: int, motivo: str, pedido_em) -> NFSe | None:
    """The note read again after the request, with what was asked recorded on it."""
    nota = de_volta(nfse_id, StatusNFSe.CONCLUIDA)
    if nota is not None:
        registro.cancelamento_pedido(nota, codigo, motivo, pedido_em)
    return nota


def _soltar(nfse_id: int) -> Efeitos:
    """Phase: give the lease back so the next try can ask again."""
    nota = de_volta(nfse_id, StatusNFSe.CONCLUIDA)
    if nota is not None:
        registro.soltar(nota)
        gravar(Efeitos())
    return Efeitos()


def consultar(nfse_id: int, consultas: int = 0, janela: timedelta = JANELA) -> Efeitos:
    """Follow a cancellation request until the gateway accepts or refuses it; silence for 24 h is reported. The
    polls go out outside any transaction; what they said is recorded in a phase."""
    nota = carregar(nfse_id)
    seguido = (
        nota is not None
        and nota.status is StatusNFSe.CONCLUIDA
        and nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO
    )
    if seguido:
        gateway_id, protocolo, gateway = nota.gateway_id, nota.cancelamento_protocolo, gateway_da_nota(nota)
    sem_transacao()
    if not seguido:
        return Efeitos()
    resposta = situacao = None
    try:
        resposta = gateway.consultar_cancelamento(protocolo) if protocolo else None
        if resposta is None or resposta.situacao == "processando":
            situacao = gateway.consultar(gateway_id)
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("note %s: cancellation poll failed (%s)", nfse_id, erro)
        resposta = None
    return fase(nfse_id, lambda: _consultado(nfse_id, gateway_id, resposta, situacao, consultas, janela))


def _consultado(nfse_id: int, gateway_id: str, resposta, situacao, consultas: int, janela: timedelta) -> Efeitos:
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
    return gravar(efeitos)
