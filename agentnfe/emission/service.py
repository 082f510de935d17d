"""Emission service: the only writer of notes (DESIGN.md §2 status table), exactly once per note.

Exactly once rests on three things: the integration id is persisted before the first send; the row moves
to `enviada` (with a short lease) before the HTTP call, so anything that finds it `enviada` later asks the
gateway by integration id before sending again; and every status change is a compare-and-set on the old
status, so two workers can never both apply the same transition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..conversation.engine import avisar, avisar_documento
from ..extensions import cache, db
from ..fiscal import formatar_brl
from ..health import GATEWAY_OUTCOME_KEY
from ..models import AcaoTentativa, Certificado, Estado, NFSe, NFSeTentativa, Provider, StatusNFSe
from . import links, mensagens, tomadores
from .avisos import notificar
from .gateways import GatewayIndisponivel, GatewayRecusou, RespostaGateway, gateway_atual
from .payload import montar

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
INTERVALOS = (5, 15, 30, 60, 120, 300)
INTERVALO_MAXIMO = 600
SITUACOES = {
    "PROCESSANDO": StatusNFSe.PROCESSANDO,
    "CONCLUIDO": StatusNFSe.CONCLUIDA,
    "REJEITADO": StatusNFSe.REJEITADA,
    "CANCELADO": StatusNFSe.CANCELADA,
}
A_ENVIAR = (StatusNFSe.PENDENTE, StatusNFSe.ENVIADA, StatusNFSe.ERRO)


@dataclass
class Efeitos:
    """What the caller (a task) must do after an operation committed."""

    avisos: list = field(default_factory=list)
    """Outbound WhatsApp messages to deliver (their ids once committed)."""
    consultar_em: int | None = None
    """Seconds until the next status poll, when the note is still being processed."""
    tentar_de_novo: bool = False
    baixar_pdf: bool = False


def proximo_intervalo(consultas: int) -> int:
    """Polling schedule: 5 s, 15 s, 30 s, 1 min, 2 min, 5 min, then every 10 min."""
    return INTERVALOS[consultas] if consultas < len(INTERVALOS) else INTERVALO_MAXIMO


def agora() -> datetime:
    return datetime.now(UTC)


def _registrar_saude(ok: bool) -> None:
    """Remember the last gateway outcome for /healthz (no probe ever calls the paid API)."""
    try:
        cache.set(GATEWAY_OUTCOME_KEY, "ok" if ok else "error", timeout=24 * 3600)
    except Exception:
        log.debug("could not record the gateway outcome", exc_info=True)


def _carregar(nfse_id: int) -> NFSe | None:
    return db.session.scalar(
        sa.select(NFSe)
        .options(joinedload(NFSe.empresa), joinedload(NFSe.servico), joinedload(NFSe.tomador), joinedload(NFSe.sessao))
        .where(NFSe.id == nfse_id)
    )


def _reservar(nota: NFSe, novo_status: StatusNFSe | None = None) -> bool:
    """Take the note's lease (and move its status) in one conditional UPDATE; False if someone holds it."""
    instante = agora()
    if db.engine.dialect.name == "postgresql":
        livre = sa.select(NFSe.id).where(NFSe.id == nota.id).with_for_update(skip_locked=True)
        if db.session.scalar(livre) is None:
            db.session.rollback()
            return False
    valores: dict = {"reservada_ate": instante + LEASE}
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
    db.session.commit()
    return resultado.rowcount == 1


def _tentativa(
    nota: NFSe, acao: AcaoTentativa, resultado: str, origem: str, usuario_id: int | None, resposta=None
) -> None:
    db.session.add(
        NFSeTentativa(
            nfse=nota,
            acao=acao,
            usuario_id=usuario_id,
            origem=origem,
            id_integracao=nota.id_integracao,
            resultado=resultado[:500],
            status_resultante=nota.status,
            resposta=resposta,
        )
    )


def _avisar(nota: NFSe, texto: str, efeitos: Efeitos, fim_da_conversa: bool = True) -> None:
    """Tell the person who asked for the note on WhatsApp (notes made elsewhere have no conversation)."""
    if nota.sessao is None:
        return
    if fim_da_conversa and nota.sessao.estado is Estado.EMITINDO:
        nota.sessao.estado = Estado.CONCLUIDA
    efeitos.avisos.append(avisar(nota.sessao, texto))


def _commit(efeitos: Efeitos) -> Efeitos:
    """Commit, turning the pending notices into ids; a lost compare-and-set means another worker did it."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        log.info("note changed under us; another worker applied this transition")
        return Efeitos()
    efeitos.avisos = [m.id for m in efeitos.avisos]
    db.session.commit()
    return efeitos


def _bloqueio(nota: NFSe, hoje: date) -> str | None:
    """Why the note cannot go out now (missing tomador or service, certificate), or None."""
    if nota.tomador is None:
        return "a nota não tem tomador; complete-a no painel"
    if nota.servico is None:
        return "a nota não tem serviço (perfil fiscal); complete-a no painel"
    validade = db.session.scalar(
        sa.select(sa.func.max(Certificado.valido_ate)).where(Certificado.empresa_id == nota.empresa_id)
    )
    if validade is None:
        return "a empresa não tem certificado A1 cadastrado" if gateway_atual().exige_certificado else None
    if validade < hoje:
        return f"o certificado A1 da empresa venceu em {validade:%d/%m/%Y}"
    return None


def emitir(
    nfse_id: int,
    origem: str = "sistema",
    usuario_id: int | None = None,
    acao: AcaoTentativa = AcaoTentativa.EMITIR,
    ultima_tentativa: bool = False,
    hoje: date | None = None,
) -> Efeitos:
    """Send a note that is pendente/enviada/erro; a note the gateway may already have is consulted first."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status not in A_ENVIAR:
        return Efeitos()
    bloqueio = _bloqueio(nota, hoje or agora().date())
    if bloqueio:
        if not _reservar(nota):
            return Efeitos(tentar_de_novo=True)
        return _falhar(nota, bloqueio, acao, origem, usuario_id)
    tomadores.completar(nota.tomador)
    anterior = nota.status
    if not _reservar(nota, StatusNFSe.ENVIADA):
        return Efeitos(tentar_de_novo=True)
    gateway = gateway_atual()
    payload = None
    try:
        if anterior is not StatusNFSe.PENDENTE:
            existente = gateway.consultar_por_integracao(nota.id_integracao, nota.empresa.cnpj)
            if existente is not None:
                registro = (
                    AcaoTentativa.CONSULTAR,
                    f"o gateway já tinha a nota ({existente.situacao})",
                    origem,
                    usuario_id,
                )
                return _aplicar(nota, existente, registro)
        payload = montar(nota, nota.empresa, nota.servico, nota.tomador)
        resposta = gateway.emitir(payload)
    except GatewayRecusou as recusa:
        nota.payload = payload
        return _rejeitar(nota, recusa.detalhe(), recusa.bruto, acao, origem, usuario_id)
    except GatewayIndisponivel as erro:
        _registrar_saude(False)
        return _indisponivel(nota, str(erro), acao, origem, usuario_id, ultima_tentativa)
    _registrar_saude(True)
    nota.payload = payload
    return _aplicar(nota, resposta, (acao, resposta.mensagem or "recebida pelo gateway", origem, usuario_id))


def _aplicar(nota: NFSe, resposta: RespostaGateway, registro: tuple) -> Efeitos:
    """Record what the gateway says about the note (and the attempt), telling the user of a final outcome.

    `registro` is (action, result text, origin, user id) of the attempt that learned it.
    """
    efeitos = Efeitos()
    novo = SITUACOES.get(resposta.situacao, StatusNFSe.PROCESSANDO)
    if novo is StatusNFSe.REJEITADA:
        acao, _, origem, usuario_id = registro
        return _rejeitar(nota, resposta.mensagem or "rejeitada pelo gateway", resposta.bruto, acao, origem, usuario_id)
    nota.gateway_id = resposta.gateway_id or nota.gateway_id
    nota.protocolo = resposta.protocolo or nota.protocolo
    nota.resposta = resposta.bruto
    nota.reservada_ate = None
    nota.status = novo
    _tentativa(nota, *registro, resposta.bruto)
    if novo is StatusNFSe.PROCESSANDO:
        efeitos.consultar_em = proximo_intervalo(0)
    elif novo is StatusNFSe.CONCLUIDA:
        nota.numero = resposta.numero
        nota.codigo_verificacao = resposta.codigo_verificacao
        nota.pdf_url, nota.xml_url = resposta.pdf_url, resposta.xml_url
        nota.emitida_em = agora()
        nota.mensagem_erro = None
        efeitos.baixar_pdf = True
        link = links.link_pdf(nota.id_integracao)
        _avisar(nota, mensagens.emitida(nota.numero, nota.codigo_verificacao, link), efeitos)
        if nota.sessao is not None and nota.sessao.provider is not Provider.API:
            efeitos.avisos.append(avisar_documento(nota.sessao, link))
    elif novo is StatusNFSe.CANCELADA:
        _avisar(nota, mensagens.cancelada(nota.numero), efeitos, fim_da_conversa=False)
    return _commit(efeitos)


def _rejeitar(nota: NFSe, motivo: str, bruto, acao: AcaoTentativa, origem: str, usuario_id: int | None) -> Efeitos:
    """The gateway or the city refused the note: the user and the accountant are told why."""
    resumo = f"Nota de {formatar_brl(nota.valor)} rejeitada: {motivo}"
    registro = (acao, f"rejeitada: {motivo}", origem, usuario_id)
    return _encerrar(
        nota, StatusNFSe.REJEITADA, motivo, registro, bruto, resumo, f"nota:{nota.id_integracao}:rejeitada"
    )


def _falhar(nota: NFSe, motivo: str, acao: AcaoTentativa, origem: str, usuario_id: int | None) -> Efeitos:
    """Mark a note `erro` (it never reached the gateway, or the gateway stayed down)."""
    resumo = f"Nota de {formatar_brl(nota.valor)} não emitida: {motivo}"
    registro = (acao, f"erro: {motivo}", origem, usuario_id)
    return _encerrar(
        nota, StatusNFSe.ERRO, motivo, registro, None, resumo, f"nota:{nota.id_integracao}:erro:{motivo[:40]}"
    )


def _encerrar(nota: NFSe, status: StatusNFSe, motivo: str, registro: tuple, bruto, resumo: str, chave: str) -> Efeitos:
    """A note that went wrong: record it, file a notice for the accountant, tell the user in plain words."""
    efeitos = Efeitos()
    nota.status = status
    nota.mensagem_erro = motivo[:2000]
    nota.reservada_ate = None
    _tentativa(nota, *registro, bruto)
    notificar(nota.contabilidade_id, nota.empresa_id, f"nota_{status.value}", resumo[:500], chave)
    texto = mensagens.rejeitada(motivo) if status is StatusNFSe.REJEITADA else mensagens.erro(motivo)
    _avisar(nota, texto, efeitos)
    return _commit(efeitos)


def _indisponivel(nota: NFSe, motivo: str, acao, origem, usuario_id, ultima_tentativa: bool) -> Efeitos:
    """The gateway may or may not have the note: keep it `enviada` (next try consults first) or give up."""
    log.warning(
        "note %s: gateway unavailable (%s)%s", nota.id_integracao, motivo, "; giving up" if ultima_tentativa else ""
    )
    if ultima_tentativa:
        return _falhar(nota, f"gateway indisponível ({motivo})", acao, origem, usuario_id)
    nota.reservada_ate = None
    _tentativa(nota, acao, f"sem resposta: {motivo}", origem, usuario_id)
    efeitos = _commit(Efeitos())
    efeitos.tentar_de_novo = True
    return efeitos


def consultar(
    nfse_id: int,
    consultas: int = 0,
    origem: str = "sistema",
    usuario_id: int | None = None,
    janela: timedelta = timedelta(hours=24),
) -> Efeitos:
    """Poll a note in processing; after the window without a final answer it needs attention."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status not in (StatusNFSe.PROCESSANDO, StatusNFSe.ATENCAO):
        return Efeitos()
    gateway = gateway_atual()
    try:
        if nota.gateway_id:
            resposta = gateway.consultar(nota.gateway_id)
        else:
            resposta = gateway.consultar_por_integracao(nota.id_integracao, nota.empresa.cnpj)
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("note %s: status poll failed (%s)", nota.id_integracao, erro)
        _registrar_saude(False)
        resposta = None
    novo = SITUACOES.get(resposta.situacao, StatusNFSe.PROCESSANDO) if resposta else StatusNFSe.PROCESSANDO
    if novo is not StatusNFSe.PROCESSANDO:
        return _aplicar(
            nota, resposta, (AcaoTentativa.CONSULTAR, resposta.mensagem or resposta.situacao, origem, usuario_id)
        )
    if nota.status is StatusNFSe.ATENCAO:
        return Efeitos()
    if agora() - (nota.enviada_em or nota.criado_em) > janela:
        nota.status = StatusNFSe.ATENCAO
        nota.mensagem_erro = f"sem resposta final do gateway em {int(janela.total_seconds() // 3600)} h"
        _tentativa(nota, AcaoTentativa.CONSULTAR, nota.mensagem_erro, origem, usuario_id)
        notificar(
            nota.contabilidade_id,
            nota.empresa_id,
            "nota_atencao",
            f"Nota de {formatar_brl(nota.valor)} sem resposta do gateway; verifique.",
            f"nota:{nota.id_integracao}:atencao",
        )
        return _commit(Efeitos())
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))


def guardar_pdf(nfse_id: int) -> bool:
    """Fetch the authorized note's PDF with the API key and keep it for the signed link (best effort)."""
    return _guardar_pdf(db.session.get(NFSe, nfse_id))


def guardar_pdf_por_integracao(id_integracao: str) -> bool:
    return _guardar_pdf(db.session.scalar(sa.select(NFSe).where(NFSe.id_integracao == id_integracao)))


def _guardar_pdf(nota: NFSe | None) -> bool:
    if nota is None or links.caminho_pdf(nota.id_integracao).exists():
        return nota is not None
    if not nota.gateway_id:
        return False
    try:
        links.guardar_pdf(nota.id_integracao, gateway_atual().pdf(nota.gateway_id))
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("PDF of note %s not stored yet: %s", nota.id_integracao, erro)
        return False
    return True


def pedir_cancelamento(nfse_id: int, motivo: str, origem: str = "sistema", usuario_id: int | None = None) -> Efeitos:
    """Ask the gateway to cancel an authorized note; the status changes when the gateway confirms."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.CONCLUIDA or not nota.gateway_id:
        return Efeitos()
    try:
        resposta = gateway_atual().cancelar(nota.gateway_id, motivo)
    except GatewayRecusou as recusa:
        efeitos = Efeitos()
        _tentativa(
            nota, AcaoTentativa.CANCELAR, f"cancelamento recusado: {recusa.detalhe()}", origem, usuario_id, recusa.bruto
        )
        _avisar(nota, mensagens.cancelamento_recusado(nota.numero, recusa.detalhe()), efeitos, fim_da_conversa=False)
        return _commit(efeitos)
    except GatewayIndisponivel as erro:
        log.warning("note %s: cancellation not sent (%s)", nota.id_integracao, erro)
        return Efeitos(tentar_de_novo=True)
    _tentativa(
        nota, AcaoTentativa.CANCELAR, resposta.mensagem or "cancelamento solicitado", origem, usuario_id, resposta.bruto
    )
    efeitos = _commit(Efeitos())
    efeitos.consultar_em = proximo_intervalo(0)
    return efeitos


def consultar_cancelamento(nfse_id: int, consultas: int = 0) -> Efeitos:
    """Poll until the gateway reports the note cancelled."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.CONCLUIDA:
        return Efeitos()
    try:
        resposta = gateway_atual().consultar(nota.gateway_id)
    except (GatewayIndisponivel, GatewayRecusou):
        resposta = None
    if resposta is not None and SITUACOES.get(resposta.situacao) is StatusNFSe.CANCELADA:
        return _aplicar(nota, resposta, (AcaoTentativa.CONSULTAR, "cancelamento confirmado", "sistema", None))
    if consultas > 150:
        return Efeitos()
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))
