"""Following a note after it was sent: the status polls, and the replay of a note needing attention — each a
call outside any transaction, then a phase (`service.fase`) that records what the gateway said."""

from __future__ import annotations

import logging
from datetime import timedelta

from agentnfe.infra import relogio, resultados
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao

from ..models import AcaoTentativa, StatusNFSe
from .gateways import GatewayIndisponivel, GatewayRecusou, RespostaGateway
from .registro import Efeitos, Registro, atencao, carregar, proximo_intervalo, soltar
from .service import JANELA, SITUACOES, Alvo, aplicar, consulta_segura, de_volta, emitir, fase

log = logging.getLogger(__name__)


def consultar(
    nfse_id: int,
    consultas: int = 0,
    origem: str = "sistema",
    usuario_id: int | None = None,
    janela: timedelta = JANELA,
) -> Efeitos:
    """Poll a note in processing (after the window without a final answer it needs attention), or check an
    authorized one again (a callback may say it was cancelled at the city hall): the call outside any
    transaction, then the phase that records what it said."""
    nota = carregar(nfse_id)
    seguida = nota is not None and nota.status in (StatusNFSe.PROCESSANDO, StatusNFSe.ATENCAO, StatusNFSe.CONCLUIDA)
    alvo, antes = (Alvo.de(nota), nota.status) if seguida else (None, None)
    sem_transacao()
    if not seguida:
        return Efeitos()
    try:
        if alvo.gateway_id:
            resposta = alvo.gateway.consultar(alvo.gateway_id)
        else:
            resposta = alvo.gateway.consultar_por_integracao(alvo.referencia, alvo.cnpj)
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("note %s: status poll failed (%s)", alvo.id_integracao, erro)
        resultados.anotar("gateway", False)
        resposta = None
    autor = Registro(AcaoTentativa.CONSULTAR, "", origem, usuario_id)
    return fase(nfse_id, lambda: _consultada(nfse_id, antes, resposta, autor, consultas, janela))


def _consultada(
    nfse_id: int, antes: StatusNFSe, resposta: RespostaGateway | None, autor: Registro, consultas: int, janela
) -> Efeitos:
    if (nota := de_volta(nfse_id, antes)) is None:
        return Efeitos()
    novo = SITUACOES.get(resposta.situacao, StatusNFSe.PROCESSANDO) if resposta else StatusNFSe.PROCESSANDO
    if nota.status is StatusNFSe.CONCLUIDA:
        if novo is StatusNFSe.CANCELADA:
            return aplicar(nota, resposta, autor.dizendo(resposta.mensagem or "cancelada"))
        return Efeitos()
    if novo is not StatusNFSe.PROCESSANDO:
        return aplicar(nota, resposta, autor.dizendo(resposta.mensagem or resposta.situacao))
    if nota.status is StatusNFSe.ATENCAO:
        return Efeitos()
    if relogio.agora() - (nota.enviada_em or nota.criado_em) > janela:
        motivo = f"sem resposta final do gateway em {int(janela.total_seconds() // 3600)} h"
        return atencao(nota, motivo, autor.dizendo(motivo))
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))


def retomar(nfse_id: int, origem: str, usuario_id: int | None = None) -> Efeitos:
    """Replay of a note needing attention: the gateway's note is adopted; if it has none, send (same id)."""
    nota = carregar(nfse_id)
    atencao_, gateway_id = nota is not None and nota.status is StatusNFSe.ATENCAO, nota and nota.gateway_id
    alvo = Alvo.de(nota) if atencao_ and not gateway_id else None
    sem_transacao()
    if not atencao_:
        return Efeitos()
    if gateway_id:
        return consultar(nfse_id, origem=origem, usuario_id=usuario_id)
    try:
        existente = consulta_segura(alvo)
    except GatewayIndisponivel as erro:
        log.warning("note %s: the gateway did not answer the replay's consultation (%s)", alvo.id_integracao, erro)
        return Efeitos()
    registro = Registro(AcaoTentativa.CONSULTAR, "o gateway tinha a nota", origem, usuario_id)
    devolvida = fase(nfse_id, lambda: _retomada(nfse_id, existente, registro))
    if devolvida is not None:
        return devolvida
    return emitir(nfse_id, origem=origem, usuario_id=usuario_id, acao=AcaoTentativa.REEMITIR)


def _retomada(nfse_id: int, existente: RespostaGateway | None, registro: Registro) -> Efeitos | None:
    """Phase: adopt the gateway's note, or mark the note `enviada` (answer unknown: emission consults once more,
    then sends) and return None."""
    if (nota := de_volta(nfse_id, StatusNFSe.ATENCAO)) is None:
        return Efeitos()
    if existente is not None:
        return aplicar(nota, existente, registro)
    soltar(nota, StatusNFSe.ENVIADA)
    db.session.flush()
    return None
