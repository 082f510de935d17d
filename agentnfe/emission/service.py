"""Emission service: each note sent exactly once (docs/arquitetura.md §2); its changes are recorded by `registro`.

Exactly once rests on four things: the integration id is persisted before the first send; the row moves
to `enviada` (with a short lease) before the HTTP call, so anything that finds it `enviada` later asks the
gateway by integration id before sending again; a gateway that already has the id (PlugNotas 409) gives
that note, which is adopted; and every status change is a compare-and-set on the old status, so two
workers can never both apply the same transition.

Each protocol runs as phases (`fase`): a transaction that reads the note and records a decision, the gateway
called with plain values outside any transaction, then a transaction that applies its answer to the note read
again. The writer (`registro`) only flushes; the phase commits.

`erro` means the gateway surely has nothing (refused before sending, connection refused); an outcome that
stays unknown after the last retry is `atencao`, never `erro`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from agentnfe.cadastros import tomadores
from agentnfe.emission import apuracao, links, mensagens, numeracao
from agentnfe.infra import relogio, resultados
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao

from ..fiscal import formatar_brl, formatar_documento, iss
from ..models import AcaoTentativa, Certificado, NFSe, NomeGateway, SituacaoCancelamento, StatusNFSe
from .avisos import notificar
from .dps import DPSRecusada
from .gateways import Gateway, GatewayIndisponivel, GatewayRecusou, RespostaGateway, gateway_da_nota
from .notas import iss_atual
from .registro import (
    Efeitos,
    Registro,
    anunciar,
    atencao,
    cancelamento_respondido,
    carregar,
    falhar,
    gravar,
    movida,
    proximo_intervalo,
    rejeitar,
    reservar,
    responder,
    rotulo,
    soltar,
    tentativa,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

JANELA = timedelta(hours=24)
SITUACOES = {
    "PROCESSANDO": StatusNFSe.PROCESSANDO,
    "CONCLUIDO": StatusNFSe.CONCLUIDA,
    "REJEITADO": StatusNFSe.REJEITADA,
    "DENEGADO": StatusNFSe.REJEITADA,
    "CANCELADO": StatusNFSe.CANCELADA,
}
A_ENVIAR = (StatusNFSe.PENDENTE, StatusNFSe.ENVIADA, StatusNFSe.ERRO)


@dataclass(frozen=True)
class Alvo:
    """What a gateway call needs of a note, read before the transaction ends."""

    nfse_id: int
    id_integracao: str
    cnpj: str
    gateway_id: str | None
    referencia: str  # what the gateway knows the note by before it has an id there (integration id, DPS Id)
    gateway: Gateway

    @classmethod
    def de(cls, nota: NFSe, gateway: Gateway | None = None) -> Alvo:
        gateway = gateway or gateway_da_nota(nota)
        return cls(nota.id, nota.id_integracao, nota.empresa.cnpj, nota.gateway_id, gateway.referencia(nota), gateway)


def de_volta(nfse_id: int, esperado: StatusNFSe) -> NFSe | None:
    """The note read again after an external call, if it is still where this worker left it."""
    nota = carregar(nfse_id)
    if nota is None or nota.status is not esperado:
        log.info("note %s moved to %s during the gateway call; left to that worker", nfse_id, nota and nota.status)
        return None
    return nota


def _bloqueio(nota: NFSe, gateway: Gateway, retrato: dict | None, hoje: date) -> str | None:
    """Why the note cannot go out now (data missing or wrong, certificate), or None. Checked before any send."""
    if nota.tomador is None:
        return "a nota não tem tomador; complete-a no painel"
    if nota.servico is None:
        return "a nota não tem serviço (perfil fiscal); complete-a no painel"
    if not retrato["nome"]:
        return (
            f"falta o nome do tomador {formatar_documento(retrato['documento'])}; "
            "informe-o no painel (Tomadores da empresa) e reemita"
        )
    faltando = nota.empresa.endereco_faltando
    if gateway.exige_endereco and faltando:
        return f"o cadastro da empresa está incompleto (falta {', '.join(faltando)}); complete-o no painel e reemita"
    if nota.competencia.replace(day=1) > hoje.replace(day=1):
        return f"a competência {nota.competencia:%m/%Y} é posterior ao mês da emissão"
    try:
        iss_atual(nota)
    except iss.AliquotaSimplesFaltando as erro:
        return f"{erro}; a contabilidade precisa informá-la no cadastro da empresa"
    validade = db.session.scalar(
        sa.select(sa.func.max(Certificado.valido_ate)).where(Certificado.empresa_id == nota.empresa_id)
    )
    if validade is None:
        return "a empresa não tem certificado A1 cadastrado" if gateway.exige_certificado else None
    if validade < hoje:
        return f"o certificado A1 da empresa venceu em {validade:%d/%m/%Y}"
    return None


def fase(nfse_id: int, passo: Callable[[], T]) -> T | Efeitos:
    """Run one phase of a note's protocol in its own transaction (committed when it ends). A transition lost to
    another worker (a compare-and-set on the status) rolls the phase back and reads the note again to decide."""
    try:
        with transacao():
            return passo()
    except StaleDataError:
        return movida(nfse_id)


@dataclass(frozen=True)
class Envio:
    """A note leased for one send: what the call needs, read before its phase committed."""

    nfse_id: int
    alvo: Alvo
    documento: dict | list
    anterior: StatusNFSe


def emitir(
    nfse_id: int,
    origem: str = "sistema",
    usuario_id: int | None = None,
    acao: AcaoTentativa = AcaoTentativa.EMITIR,
    ultima_tentativa: bool = False,
    hoje: date | None = None,
) -> Efeitos:
    """Send a note that is pendente/enviada/erro, phase by phase: complete its tomador at BrasilAPI; check it (a
    note that cannot go out fails here) and lease it with its document built — numbering its DPS first, in a
    phase of its own, when its gateway needs one; call the gateway outside any transaction (a note the gateway
    may already have is consulted first); record the answer."""
    autor = Registro(acao, "", origem, usuario_id)
    nota = carregar(nfse_id)
    enviavel, tomador_id = nota is not None and nota.status in A_ENVIAR, nota and nota.tomador_id
    sem_transacao()
    if not enviavel:
        return Efeitos()
    if tomador_id is not None:
        tomadores.completar(tomador_id)  # BrasilAPI (cached), outside any transaction; writes the registry only
    hoje = hoje or relogio.hoje()
    envio = fase(nfse_id, lambda: _preparar(nfse_id, autor, hoje))
    if envio is SEM_NUMERO:  # the DPS number is stored in its own phase before the document is built
        numeracao.numerar(nfse_id)
        envio = fase(nfse_id, lambda: _preparar(nfse_id, autor, hoje))
    if isinstance(envio, Efeitos):
        return envio
    return _enviar(envio, autor, ultima_tentativa)


SEM_NUMERO = object()
"""What `_preparar` answers for a note whose gateway numbers DPSs and that has no number yet."""


def _preparar(nfse_id: int, autor: Registro, hoje: date) -> Envio | Efeitos | object:
    """Phase: a note that cannot go out fails now; one that still needs a DPS number says so (SEM_NUMERO);
    otherwise its document is built and it is leased as `enviada` with what it goes out with."""
    nota = carregar(nfse_id)
    if nota is None or nota.status not in A_ENVIAR:
        return Efeitos()
    gateway = gateway_da_nota(nota)
    retrato = tomadores.retrato(nota) if nota.tomador is not None else None
    bloqueio = _bloqueio(nota, gateway, retrato, hoje)
    if bloqueio:
        return falhar(nota, bloqueio, autor) if reservar(nota) else Efeitos(tentar_de_novo=True)
    if gateway.numera_dps and nota.numero_dps is None:
        return SEM_NUMERO
    imposto = iss_atual(nota)
    anterior, alvo = nota.status, Alvo.de(nota, gateway)
    try:
        documento = gateway.documento(nota, retrato, relogio.agora_local(), imposto)
    except DPSRecusada as recusa:  # the DPS cannot be written or signed: nothing was sent
        return falhar(nota, str(recusa), autor) if reservar(nota) else Efeitos(tentar_de_novo=True)
    decisao = {
        "tomador_dados": retrato,
        "aliquota_iss": imposto.aliquota,
        "iss_retido": imposto.retido,
        "payload": documento,
        "gateway": NomeGateway(gateway.nome),
    }
    if not reservar(nota, StatusNFSe.ENVIADA, **decisao):
        return Efeitos(tentar_de_novo=True)
    return Envio(nfse_id, alvo, documento, anterior)


def _enviar(envio: Envio, autor: Registro, ultima_tentativa: bool) -> Efeitos:
    """The call, outside any transaction, then the phase that records what it gave."""
    nfse_id, alvo = envio.nfse_id, envio.alvo
    nada_la = envio.anterior is not StatusNFSe.ENVIADA  # the gateway surely has nothing of this id yet
    try:
        if envio.anterior is not StatusNFSe.PENDENTE:
            existente = consulta_segura(alvo)
            if existente is not None:
                texto = f"o gateway já tinha a nota ({existente.situacao})"
                return _aplicar_de_volta(nfse_id, existente, autor.dizendo(texto, AcaoTentativa.CONSULTAR))
            nada_la = True
        resposta = alvo.gateway.emitir(envio.documento)
    except GatewayRecusou as recusa:
        return fase(nfse_id, partial(_recusada, nfse_id, recusa, autor))
    except GatewayIndisponivel as erro:
        resultados.anotar("gateway", False)
        nunca_chegou = erro.nunca_chegou and nada_la
        return fase(nfse_id, partial(_sem_resposta, nfse_id, str(erro), autor, ultima_tentativa, nunca_chegou))
    resultados.anotar("gateway", True)
    if resposta.existente:
        texto = "o gateway já tinha uma nota com este id de integração: adotada e acompanhada"
        return _aplicar_de_volta(nfse_id, resposta, autor.dizendo(texto, AcaoTentativa.CONSULTAR))
    return _aplicar_de_volta(nfse_id, resposta, autor.dizendo(resposta.mensagem or "recebida pelo gateway"))


def _recusada(nfse_id: int, recusa: GatewayRecusou, autor: Registro) -> Efeitos:
    if (nota := de_volta(nfse_id, StatusNFSe.ENVIADA)) is None:
        return Efeitos()
    if recusa.credencial:
        return falhar(nota, f"o gateway recusou a credencial ({recusa}); confira chave de API e certificado", autor)
    return rejeitar(nota, recusa.detalhe(), recusa.bruto, autor, para_usuario=recusa.para_usuario)


def _sem_resposta(nfse_id: int, motivo: str, autor: Registro, ultima_tentativa: bool, nada_la: bool) -> Efeitos:
    if (nota := de_volta(nfse_id, StatusNFSe.ENVIADA)) is None:
        return Efeitos()
    return _indisponivel(nota, motivo, autor, ultima_tentativa, nada_la)


def abandonar(nfse_id: int) -> Efeitos:
    """The last attempt to send ended in a failure nobody foresaw (logged by the caller): the note leaves the
    retry loop with a status, a notice and a message — `atencao` if it may have reached the gateway, else `erro`."""
    db.session.rollback()  # whatever the failed attempt left in the session is discarded
    return fase(nfse_id, lambda: _abandonada(nfse_id))


def _abandonada(nfse_id: int) -> Efeitos:
    nota = carregar(nfse_id)
    if nota is None or nota.status not in A_ENVIAR:
        return Efeitos()
    motivo = "falha interna ao preparar o envio"
    autor = Registro(AcaoTentativa.EMITIR, motivo)
    if nota.status is StatusNFSe.ENVIADA:
        return atencao(nota, motivo, autor)
    return falhar(nota, motivo, autor)


def _aplicar_de_volta(nfse_id: int, resposta: RespostaGateway, registro: Registro) -> Efeitos:
    """Phase: the gateway's answer onto the note read again, if it is still where this worker left it."""

    def aplicar_se_ainda_enviada() -> Efeitos:
        nota = de_volta(nfse_id, StatusNFSe.ENVIADA)
        return Efeitos() if nota is None else aplicar(nota, resposta, registro)

    return fase(nfse_id, aplicar_se_ainda_enviada)


def consulta_segura(alvo: Alvo) -> RespostaGateway | None:
    """Ask the gateway by integration id (or DPS Id); a refusal to answer (4xx) says nothing about the note: unknown."""
    try:
        return alvo.gateway.consultar_por_integracao(alvo.referencia, alvo.cnpj)
    except GatewayRecusou as recusa:
        raise GatewayIndisponivel(f"the gateway refused the consultation: {recusa.detalhe()}") from None


def aplicar(nota: NFSe, resposta: RespostaGateway, registro: Registro) -> Efeitos:
    """Record what the gateway says about the note (and the attempt that learned it), announcing a final outcome.

    A note the gateway already had (409) is adopted as processing and polled at once for its details.
    """
    efeitos = Efeitos()
    novo = StatusNFSe.PROCESSANDO if resposta.existente else SITUACOES.get(resposta.situacao, StatusNFSe.PROCESSANDO)
    if novo is StatusNFSe.REJEITADA:
        denegada = resposta.situacao == "DENEGADO"
        motivo = resposta.mensagem or ("denegada" if denegada else "rejeitada pelo gateway")
        return rejeitar(nota, motivo, resposta.bruto, registro, denegada)
    anterior = nota.status
    responder(nota, novo, resposta, relogio.agora())
    tentativa(nota, registro, resposta.bruto)
    if novo is StatusNFSe.PROCESSANDO:
        efeitos.consultar_em = proximo_intervalo(0)
    elif novo is StatusNFSe.CONCLUIDA:
        apuracao.avisar_divergencias(nota, resposta.apurado)
        efeitos.baixar_pdf = True
        link = links.link_pdf(nota.id_integracao)
        texto = mensagens.emitida(nota.numero, nota.codigo_verificacao, link, nota.chave_acesso)
        anunciar(nota, efeitos, "emitida", texto)
        if nota.sessao is not None and nota.sessao.provider.whatsapp:
            anunciar(nota, efeitos, "pdf", link, encerra=False, documento=True)
    elif novo is StatusNFSe.CANCELADA:
        _cancelada(nota, anterior, efeitos)
    return gravar(efeitos)


def _cancelada(nota: NFSe, anterior: StatusNFSe, efeitos: Efeitos) -> None:
    """The gateway reports the note cancelled: asked here, or done at the city hall behind our back."""
    pedida = nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO
    if nota.cancelamento_situacao is not None:
        cancelamento_respondido(nota, SituacaoCancelamento.ACEITO)
    if pedida:
        anunciar(nota, efeitos, "cancelada", mensagens.cancelada(nota.numero), encerra=False)
        return
    notificar(
        nota.contabilidade_id,
        nota.empresa_id,
        "nota_cancelada",
        f"Nota {rotulo(nota)} de {formatar_brl(nota.valor)} foi cancelada fora do AgentNFe (na prefeitura ou no gateway).",
        f"nota:{nota.id_integracao}:cancelada",
    )
    if anterior is StatusNFSe.CONCLUIDA:
        anunciar(nota, efeitos, "cancelada_fora", mensagens.cancelada_fora(nota.numero), encerra=False)


def _indisponivel(nota: NFSe, motivo: str, autor: Registro, ultima_tentativa: bool, nada_la: bool) -> Efeitos:
    """No usable answer. `nada_la`: the gateway surely has nothing, so the note goes back to `pendente`
    (next try sends without consulting) or, on the last try, to `erro`; otherwise it stays `enviada`
    (next try consults first) or, on the last try, needs attention."""
    log.warning(
        "note %s: gateway unavailable (%s)%s", nota.id_integracao, motivo, "; giving up" if ultima_tentativa else ""
    )
    if ultima_tentativa:
        if nada_la:
            return falhar(nota, f"gateway inacessível ({motivo})", autor)
        return atencao(nota, f"sem resposta do gateway na última tentativa ({motivo})", autor.dizendo(motivo))
    soltar(nota, StatusNFSe.PENDENTE if nada_la else None)
    tentativa(nota, autor.dizendo(f"sem resposta: {motivo}"))
    return gravar(Efeitos(tentar_de_novo=True))
