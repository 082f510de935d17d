"""Emission service: the only writer of notes (DESIGN.md §2 status table), exactly once per note.

Exactly once rests on four things: the integration id is persisted before the first send; the row moves
to `enviada` (with a short lease) before the HTTP call, so anything that finds it `enviada` later asks the
gateway by integration id before sending again; a gateway that already has the id (PlugNotas 409) gives
that note, which is adopted; and every status change is a compare-and-set on the old status, so two
workers can never both apply the same transition.

`erro` means the gateway surely has nothing (refused before sending, connection refused); an outcome that
stays unknown after the last retry is `atencao`, never `erro`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import relogio
from ..conversation.engine import avisar, avisar_documento
from ..extensions import cache, db
from ..fiscal import cancelamento, formatar_brl, formatar_documento, iss
from ..health import GATEWAY_OUTCOME_KEY
from ..models import (
    AcaoTentativa,
    Certificado,
    Estado,
    NFSe,
    NFSeTentativa,
    SituacaoCancelamento,
    StatusNFSe,
)
from . import links, mensagens, tomadores
from .avisos import notificar
from .gateways import Gateway, GatewayIndisponivel, GatewayRecusou, RespostaGateway, gateway_atual
from .payload import montar

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
INTERVALOS = (5, 15, 30, 60, 120, 300)
INTERVALO_MAXIMO = 600
JANELA = timedelta(hours=24)
SITUACOES = {
    "PROCESSANDO": StatusNFSe.PROCESSANDO,
    "CONCLUIDO": StatusNFSe.CONCLUIDA,
    "REJEITADO": StatusNFSe.REJEITADA,
    "DENEGADO": StatusNFSe.REJEITADA,
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


def _reservar(nota: NFSe, novo_status: StatusNFSe | None = None, **valores) -> bool:
    """Take the note's lease (and move its status, with `valores`) in one conditional UPDATE; False if held."""
    instante = agora()
    if db.engine.dialect.name == "postgresql":
        livre = sa.select(NFSe.id).where(NFSe.id == nota.id).with_for_update(skip_locked=True)
        if db.session.scalar(livre) is None:
            db.session.rollback()
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


def _rotulo(nota: NFSe) -> str:
    return f"nº {nota.numero}" if nota.numero else f"de {formatar_brl(nota.valor)}"


def _iss_atual(nota: NFSe) -> iss.ISS:
    """The note's ISS from the empresa's current profile (raises iss.AliquotaSimplesFaltando)."""
    aliquota = nota.servico.aliquota_iss if nota.servico else None
    return iss.calcular(nota.empresa.regime, aliquota, nota.empresa.aliquota_simples_iss, nota.iss_retido, nota.valor)


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
        _iss_atual(nota)
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
    if nota.tomador is not None:
        tomadores.completar(nota.tomador)  # BrasilAPI (cached) before the lease; commits the registry only
    gateway = gateway_atual()
    retrato = tomadores.retrato(nota) if nota.tomador is not None else None
    bloqueio = _bloqueio(nota, gateway, retrato, hoje or relogio.hoje())
    if bloqueio:
        if not _reservar(nota):
            return Efeitos(tentar_de_novo=True)
        return _falhar(nota, bloqueio, acao, origem, usuario_id)
    imposto = _iss_atual(nota)
    anterior = nota.status
    decisao = {"tomador_dados": retrato, "aliquota_iss": imposto.aliquota, "iss_retido": imposto.retido}
    if not _reservar(nota, StatusNFSe.ENVIADA, **decisao):
        return Efeitos(tentar_de_novo=True)
    nada_la = anterior is not StatusNFSe.ENVIADA  # the gateway surely has nothing of this id yet
    payload = None
    try:
        if anterior is not StatusNFSe.PENDENTE:
            existente = _consulta_segura(gateway, nota)
            if existente is not None:
                registro = (
                    AcaoTentativa.CONSULTAR,
                    f"o gateway já tinha a nota ({existente.situacao})",
                    origem,
                    usuario_id,
                )
                return _aplicar(nota, existente, registro)
            nada_la = True
        payload = montar(nota, nota.empresa, nota.servico, retrato, datetime.now(relogio.fuso()))
        resposta = gateway.emitir(payload)
    except GatewayRecusou as recusa:
        nota.payload = payload
        if recusa.credencial:
            return _falhar(
                nota, f"o gateway recusou a credencial ({recusa}); confira a chave de API", acao, origem, usuario_id
            )
        return _rejeitar(nota, recusa.detalhe(), recusa.bruto, acao, origem, usuario_id)
    except GatewayIndisponivel as erro:
        _registrar_saude(False)
        return _indisponivel(nota, str(erro), acao, origem, usuario_id, ultima_tentativa, erro.nunca_chegou and nada_la)
    _registrar_saude(True)
    nota.payload = payload
    if resposta.existente:
        texto = "o gateway já tinha uma nota com este id de integração: adotada e acompanhada"
        return _aplicar(nota, resposta, (AcaoTentativa.CONSULTAR, texto, origem, usuario_id))
    return _aplicar(nota, resposta, (acao, resposta.mensagem or "recebida pelo gateway", origem, usuario_id))


def _consulta_segura(gateway: Gateway, nota: NFSe) -> RespostaGateway | None:
    """Ask the gateway by integration id; a refusal to answer (4xx) says nothing about the note: unknown."""
    try:
        return gateway.consultar_por_integracao(nota.id_integracao, nota.empresa.cnpj)
    except GatewayRecusou as recusa:
        raise GatewayIndisponivel(f"the gateway refused the consultation: {recusa.detalhe()}") from None


def _aplicar(nota: NFSe, resposta: RespostaGateway, registro: tuple) -> Efeitos:
    """Record what the gateway says about the note (and the attempt), telling the user of a final outcome.

    `registro` is (action, result text, origin, user id) of the attempt that learned it. A note the gateway
    already had (409) is adopted as processing and polled at once for its details.
    """
    efeitos = Efeitos()
    novo = StatusNFSe.PROCESSANDO if resposta.existente else SITUACOES.get(resposta.situacao, StatusNFSe.PROCESSANDO)
    if novo is StatusNFSe.REJEITADA:
        acao, _, origem, usuario_id = registro
        motivo = resposta.mensagem or ("denegada" if resposta.situacao == "DENEGADO" else "rejeitada pelo gateway")
        return _rejeitar(nota, motivo, resposta.bruto, acao, origem, usuario_id, resposta.situacao == "DENEGADO")
    anterior = nota.status
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
        if nota.sessao is not None and nota.sessao.provider.whatsapp:
            efeitos.avisos.append(avisar_documento(nota.sessao, link))
    elif novo is StatusNFSe.CANCELADA:
        nota.numero = nota.numero or resposta.numero
        _cancelada(nota, anterior, efeitos)
    return _commit(efeitos)


def _cancelada(nota: NFSe, anterior: StatusNFSe, efeitos: Efeitos) -> None:
    """The gateway reports the note cancelled: asked here, or done at the city hall behind our back."""
    pedida = nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO
    if nota.cancelamento_situacao is not None:
        nota.cancelamento_situacao = SituacaoCancelamento.ACEITO
    if pedida:
        _avisar(nota, mensagens.cancelada(nota.numero), efeitos, fim_da_conversa=False)
        return
    notificar(
        nota.contabilidade_id,
        nota.empresa_id,
        "nota_cancelada",
        f"Nota {_rotulo(nota)} de {formatar_brl(nota.valor)} foi cancelada fora do AgentNFe (na prefeitura ou no gateway).",
        f"nota:{nota.id_integracao}:cancelada",
    )
    if anterior is StatusNFSe.CONCLUIDA:
        _avisar(nota, mensagens.cancelada_fora(nota.numero), efeitos, fim_da_conversa=False)


def _rejeitar(
    nota: NFSe, motivo: str, bruto, acao: AcaoTentativa, origem: str, usuario_id: int | None, denegada: bool = False
) -> Efeitos:
    """The gateway or the city refused the note: the user and the accountant are told why."""
    estado = "denegada" if denegada else "rejeitada"
    resumo = f"Nota de {formatar_brl(nota.valor)} {estado}: {motivo}"
    registro = (acao, f"{estado}: {motivo}", origem, usuario_id)
    texto = mensagens.denegada(motivo) if denegada else mensagens.rejeitada(motivo)
    chave = f"nota:{nota.id_integracao}:{estado}"
    return _encerrar(nota, StatusNFSe.REJEITADA, motivo, registro, bruto, resumo, chave, texto)


def _falhar(nota: NFSe, motivo: str, acao: AcaoTentativa, origem: str, usuario_id: int | None) -> Efeitos:
    """Mark a note `erro`: it surely never reached the gateway (data missing, certificate, refused connection)."""
    resumo = f"Nota de {formatar_brl(nota.valor)} não emitida: {motivo}"
    registro = (acao, f"erro: {motivo}", origem, usuario_id)
    chave = f"nota:{nota.id_integracao}:erro:{motivo[:40]}"
    return _encerrar(nota, StatusNFSe.ERRO, motivo, registro, None, resumo, chave, mensagens.erro(motivo))


def _atencao(nota: NFSe, motivo: str, registro: tuple) -> Efeitos:
    """The outcome is unknown: support must look (the gateway may or may not have the note)."""
    resumo = f"Nota de {formatar_brl(nota.valor)} sem resposta do gateway ({motivo}); verifique e reprocesse."
    chave = f"nota:{nota.id_integracao}:atencao"
    return _encerrar(nota, StatusNFSe.ATENCAO, motivo, registro, None, resumo, chave, mensagens.atencao())


def _encerrar(
    nota: NFSe, status: StatusNFSe, motivo: str, registro: tuple, bruto, resumo: str, chave: str, texto: str
) -> Efeitos:
    """A note that went wrong: record it, file a notice for the accountant, tell the user in plain words."""
    efeitos = Efeitos()
    nota.status = status
    nota.mensagem_erro = motivo[:2000]
    nota.reservada_ate = None
    _tentativa(nota, *registro, bruto)
    notificar(nota.contabilidade_id, nota.empresa_id, f"nota_{status.value}", resumo[:500], chave)
    _avisar(nota, texto, efeitos)
    return _commit(efeitos)


def _indisponivel(nota: NFSe, motivo: str, acao, origem, usuario_id, ultima_tentativa: bool, nada_la: bool) -> Efeitos:
    """No usable answer. `nada_la`: the gateway surely has nothing, so the note goes back to `pendente`
    (next try sends without consulting) or, on the last try, to `erro`; otherwise it stays `enviada`
    (next try consults first) or, on the last try, needs attention."""
    log.warning(
        "note %s: gateway unavailable (%s)%s", nota.id_integracao, motivo, "; giving up" if ultima_tentativa else ""
    )
    if ultima_tentativa:
        if nada_la:
            return _falhar(nota, f"gateway inacessível ({motivo})", acao, origem, usuario_id)
        return _atencao(
            nota, f"sem resposta do gateway na última tentativa ({motivo})", (acao, motivo, origem, usuario_id)
        )
    nota.reservada_ate = None
    if nada_la:
        nota.status = StatusNFSe.PENDENTE
    _tentativa(nota, acao, f"sem resposta: {motivo}", origem, usuario_id)
    efeitos = _commit(Efeitos())
    efeitos.tentar_de_novo = True
    return efeitos


def consultar(
    nfse_id: int,
    consultas: int = 0,
    origem: str = "sistema",
    usuario_id: int | None = None,
    janela: timedelta = JANELA,
) -> Efeitos:
    """Poll a note in processing (after the window without a final answer it needs attention), or check an
    authorized one again (a callback may say it was cancelled at the city hall)."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status not in (StatusNFSe.PROCESSANDO, StatusNFSe.ATENCAO, StatusNFSe.CONCLUIDA):
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
    if nota.status is StatusNFSe.CONCLUIDA:
        if novo is StatusNFSe.CANCELADA:
            return _aplicar(
                nota, resposta, (AcaoTentativa.CONSULTAR, resposta.mensagem or "cancelada", origem, usuario_id)
            )
        return Efeitos()
    if novo is not StatusNFSe.PROCESSANDO:
        return _aplicar(
            nota, resposta, (AcaoTentativa.CONSULTAR, resposta.mensagem or resposta.situacao, origem, usuario_id)
        )
    if nota.status is StatusNFSe.ATENCAO:
        return Efeitos()
    if agora() - (nota.enviada_em or nota.criado_em) > janela:
        motivo = f"sem resposta final do gateway em {int(janela.total_seconds() // 3600)} h"
        return _atencao(nota, motivo, (AcaoTentativa.CONSULTAR, motivo, origem, usuario_id))
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))


def retomar(nfse_id: int, origem: str, usuario_id: int | None = None) -> Efeitos:
    """Replay of a note needing attention: the gateway's note is adopted; if it has none, send (same id)."""
    nota = _carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.ATENCAO:
        return Efeitos()
    if nota.gateway_id:
        return consultar(nfse_id, origem=origem, usuario_id=usuario_id)
    try:
        existente = _consulta_segura(gateway_atual(), nota)
    except GatewayIndisponivel as erro:
        log.warning("note %s: the gateway did not answer the replay's consultation (%s)", nota.id_integracao, erro)
        return Efeitos()
    if existente is not None:
        return _aplicar(nota, existente, (AcaoTentativa.CONSULTAR, "o gateway tinha a nota", origem, usuario_id))
    nota.status = StatusNFSe.ENVIADA  # "sent, answer unknown": emission consults once more, then sends
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return Efeitos()
    return emitir(nfse_id, origem=origem, usuario_id=usuario_id, acao=AcaoTentativa.REEMITIR)


def guardar_pdf(nfse_id: int) -> bool:
    """Fetch the authorized note's PDF with the API key and keep it for the signed link (False: not yet)."""
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


def pedir_cancelamento(
    nfse_id: int,
    codigo: int,
    motivo: str,
    origem: str = "sistema",
    usuario_id: int | None = None,
    ultima_tentativa: bool = False,
) -> Efeitos:
    """Ask the gateway to cancel an authorized note; the status changes when the gateway confirms."""
    codigo, motivo = cancelamento.validar(codigo, motivo)
    nota = _carregar(nfse_id)
    if nota is None or nota.status is not StatusNFSe.CONCLUIDA or not nota.gateway_id:
        return Efeitos()
    if nota.cancelamento_situacao is SituacaoCancelamento.SOLICITADO and nota.cancelamento_protocolo:
        return Efeitos()  # already asked: the poll follows it
    nota.cancelamento_codigo, nota.cancelamento_motivo, nota.cancelamento_pedido_em = codigo, motivo, agora()
    try:
        resposta = gateway_atual().cancelar(nota.gateway_id, codigo, motivo)
    except GatewayRecusou as recusa:
        return _cancelamento_encerrado(
            nota, SituacaoCancelamento.RECUSADO, recusa.detalhe(), origem, usuario_id, recusa.bruto
        )
    except GatewayIndisponivel as erro:
        if ultima_tentativa:
            motivo_falha = f"o gateway não respondeu ({erro})"
            return _cancelamento_encerrado(nota, SituacaoCancelamento.SEM_RESPOSTA, motivo_falha, origem, usuario_id)
        db.session.rollback()
        log.warning("note %s: cancellation not sent (%s)", nota.id_integracao, erro)
        return Efeitos(tentar_de_novo=True)
    nota.cancelamento_protocolo = resposta.protocolo
    nota.cancelamento_situacao = SituacaoCancelamento.SOLICITADO
    texto = f"cancelamento pedido (código {codigo}, {cancelamento.CODIGOS[codigo]}): {motivo}"
    _tentativa(nota, AcaoTentativa.CANCELAR, texto, origem, usuario_id, resposta.bruto)
    efeitos = _commit(Efeitos())
    efeitos.consultar_em = proximo_intervalo(0)
    return efeitos


def consultar_cancelamento(nfse_id: int, consultas: int = 0, janela: timedelta = JANELA) -> Efeitos:
    """Follow a cancellation request until the gateway accepts or refuses it; silence for 24 h is reported."""
    nota = _carregar(nfse_id)
    if (
        nota is None
        or nota.status is not StatusNFSe.CONCLUIDA
        or nota.cancelamento_situacao is not SituacaoCancelamento.SOLICITADO
    ):
        return Efeitos()
    gateway = gateway_atual()
    try:
        resposta = gateway.consultar_cancelamento(nota.cancelamento_protocolo) if nota.cancelamento_protocolo else None
        if resposta is None or resposta.situacao == "processando":
            situacao = gateway.consultar(nota.gateway_id)
            if situacao is not None and SITUACOES.get(situacao.situacao) is StatusNFSe.CANCELADA:
                return _aplicar(nota, situacao, (AcaoTentativa.CONSULTAR, "cancelamento confirmado", "sistema", None))
    except (GatewayIndisponivel, GatewayRecusou) as erro:
        log.warning("note %s: cancellation poll failed (%s)", nota.id_integracao, erro)
        resposta = None
    if resposta is not None and resposta.situacao == "aceito":
        aceito = RespostaGateway(
            "CANCELADO", gateway_id=nota.gateway_id, mensagem=resposta.mensagem, bruto=resposta.bruto
        )
        return _aplicar(nota, aceito, (AcaoTentativa.CONSULTAR, "cancelamento confirmado", "sistema", None))
    if resposta is not None and resposta.situacao == "recusado":
        motivo = resposta.mensagem or "a prefeitura recusou o cancelamento"
        return _cancelamento_encerrado(nota, SituacaoCancelamento.RECUSADO, motivo, "sistema", None, resposta.bruto)
    if agora() - (nota.cancelamento_pedido_em or agora()) > janela:
        motivo = f"sem resposta do gateway ao pedido de cancelamento em {int(janela.total_seconds() // 3600)} h"
        return _cancelamento_encerrado(nota, SituacaoCancelamento.SEM_RESPOSTA, motivo, "sistema", None)
    return Efeitos(consultar_em=proximo_intervalo(consultas + 1))


def _cancelamento_encerrado(
    nota: NFSe, situacao: SituacaoCancelamento, motivo: str, origem: str, usuario_id: int | None, bruto=None
) -> Efeitos:
    """A cancellation that was refused or never answered: the note stays authorized; user and accountant know."""
    efeitos = Efeitos()
    nota.cancelamento_situacao = situacao
    _tentativa(nota, AcaoTentativa.CANCELAR, f"cancelamento {situacao.value}: {motivo}", origem, usuario_id, bruto)
    notificar(
        nota.contabilidade_id,
        nota.empresa_id,
        "cancelamento_recusado" if situacao is SituacaoCancelamento.RECUSADO else "cancelamento_sem_resposta",
        f"Cancelamento da nota {_rotulo(nota)} não concluído: {motivo}"[:500],
        f"nota:{nota.id_integracao}:cancelamento:{situacao.value}:{nota.cancelamento_pedido_em:%Y%m%d%H%M%S}",
    )
    _avisar(nota, mensagens.cancelamento_nao_concluido(nota.numero, motivo), efeitos, fim_da_conversa=False)
    return _commit(efeitos)
