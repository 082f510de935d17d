"""A run of the engine for one channel: every stored, unprocessed inbound message, oldest first, one commit.

No transaction or lock is held while waiting on the network: CNPJ lookups happen before the run, and a message
that needs the LLM stops it (PrecisaLLM), so the LLM is asked outside and the run starts again with the answer.
Runs of one channel are serialized by its PostgreSQL advisory lock; everywhere, sessions carry a version
column, so two runs that overlap cannot both commit: the loser rolls back and runs again, finding the
messages already answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from agentnfe import auditoria
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao

from ...fiscal import formatar_telefone
from ...integrations import brasilapi
from ...models import ClienteTomador, Envio, Estado, Mensagem, NFSe, Sessao, TipoDocumento, TipoMensagem
from .. import endereco, escrita, respostas
from ..extrator import perguntar
from ..intencoes import Intencao
from ..llm import ChamadaLLM
from ..rascunho import Pergunta, Rascunho
from ..regras import Extracao, extrair
from .canal import nova_sessao, ociosidade, pendentes, perfis_do_canal, sessao_aberta, travar
from .maquina import Maquina, PrecisaLLM
from .saidas import nova_saida

log = logging.getLogger(__name__)
ATTEMPTS = 5
CONSULTA_TIMEOUT = 4.0
"""Seconds a CNPJ lookup may delay a reply (the espelho then asks for the name instead)."""


@dataclass
class Resultado:
    """What a processing run created, for the caller to deliver and emit after commit."""

    entregar: list[int] = field(default_factory=list)
    """Ids of replies waiting for delivery."""
    notas: list[int] = field(default_factory=list)
    """Ids of notes waiting for emission."""
    cancelar: list[tuple[int, int, str]] = field(default_factory=list)
    """(note id, national code, reason) of authorized notes the user confirmed to cancel."""
    textos: list[str] = field(default_factory=list)
    estado: Estado | None = None


def processar_telefone(telefone: str, llm_timeout: float | None = None, usuario_id: int | None = None) -> Resultado:
    """Answer every stored, unprocessed inbound message of the channel (the phone on WhatsApp, or the phone and
    an admin user in the simulator), oldest first, and commit."""
    consultar_tomadores(telefone, usuario_id)
    chamadas: dict[int, ChamadaLLM | None] = {}
    conflitos = 0
    while True:
        try:
            with transacao():
                return _Execucao(telefone, usuario_id, chamadas).processar()
        except PrecisaLLM as pedido:  # at most once per message (its answer is kept for the next run), outside
            chamadas[pedido.mensagem_id] = perguntar(pedido.texto, pedido.conhecidos, timeout=llm_timeout)
        except (StaleDataError, IntegrityError) as conflito:  # the phase was rolled back: read and run again
            conflitos += 1
            if conflitos >= ATTEMPTS:
                raise RuntimeError(f"phone …{telefone[-4:]}: still conflicting after {ATTEMPTS} attempts") from conflito
            log.info("phone …%s changed concurrently (attempt %d); processing again", telefone[-4:], conflitos)


def consultar_tomadores(telefone: str, usuario_id: int | None = None) -> None:
    """Look up at BrasilAPI (cached) the CNPJs the channel's pending messages carry, before any transaction,
    so the espelho can show the razão social — and the CEPs they carry when the bot asked for the tomador's
    address. Unknown phones cost no lookup; failures only cost a question."""
    if not perfis_do_canal(telefone, usuario_id):
        db.session.rollback()
        return
    textos = db.session.scalars(pendentes(telefone, usuario_id).with_only_columns(Mensagem.texto)).all()
    cnpjs = set()
    for texto in textos:
        documento = extrair(texto or "", relogio.hoje()).documento
        if documento is not None and documento.tipo is TipoDocumento.CNPJ:
            cnpjs.add(documento.numero)
    if cnpjs:
        registrados = db.session.scalars(
            sa.select(ClienteTomador.documento).where(
                ClienteTomador.documento.in_(cnpjs), ClienteTomador.razao_social.is_not(None)
            )
        ).all()
        cnpjs -= set(registrados)
    ceps = {cep for texto in textos for cep in endereco.ceps(texto or "")}
    if ceps:  # only a message with a CEP costs the read of the open draft (the SQL budget of a processing run)
        sessao = db.session.scalar(sessao_aberta(telefone, usuario_id))
        if sessao is None or (sessao.dados or {}).get("pergunta") != Pergunta.ENDERECO.value:
            ceps = set()
    sem_transacao()  # no transaction stays open during the HTTP calls
    limite = min(CONSULTA_TIMEOUT, current_app.config["HTTP_TIMEOUT"])
    for cnpj in sorted(c for c in cnpjs if not brasilapi.falhou_ha_pouco(c)):
        try:
            brasilapi.consultar_cnpj(cnpj, timeout=limite)
        except brasilapi.ConsultaFalhou as erro:
            log.info("CNPJ lookup for the espelho failed (%s); the bot will ask the name", erro)
    for cep in sorted(c for c in ceps if not brasilapi.cep_falhou_ha_pouco(c)):
        try:
            brasilapi.consultar_cep(cep, timeout=limite)
        except brasilapi.ConsultaFalhou as erro:
            log.info("CEP lookup for the tomador's address failed (%s); the accountant completes it", erro)


def _auditar_cancelamento(telefone: str, nfse_id: int, codigo: int, motivo: str) -> None:
    """A cancellation the user confirmed on WhatsApp goes into the firm's audit trail, in the run's transaction."""
    nota = db.session.get(NFSe, nfse_id)
    auditoria.registrar(
        db.session, "cancelar", "nota", nfse_id,
        f"WhatsApp: cancelar a nota nº {nota.numero} — código {codigo}: {motivo}",
        contabilidade_id=nota.contabilidade_id, origem="whatsapp", autor=f"WhatsApp {formatar_telefone(telefone)}",
    )  # fmt: skip


class _Execucao:
    def __init__(self, telefone: str, usuario_id: int | None, chamadas: dict[int, ChamadaLLM | None]):
        self.telefone = telefone
        self.usuario_id = usuario_id
        self.chamadas = chamadas

    def processar(self) -> Resultado:
        travar(self.telefone, self.usuario_id)
        # The session is read before the pending messages: whatever another worker commits after this read
        # bumps the session's version, so this run's UPDATE fails and starts over instead of answering twice.
        sessao = db.session.scalar(sessao_aberta(self.telefone, self.usuario_id))
        mensagens = db.session.scalars(pendentes(self.telefone, self.usuario_id)).all()
        if not mensagens:
            return Resultado()
        maquina = Maquina(perfis_do_canal(self.telefone, self.usuario_id), self.chamadas)
        saidas, notas, cancelar = [], [], []
        for mensagem in mensagens:
            # The rules read only what an authorized phone wrote: an unknown number gets its one refusal and
            # costs nothing more, whatever it sends.
            lido = maquina.perfis and mensagem.tipo is TipoMensagem.TEXTO
            extracao = extrair(mensagem.texto or "", relogio.hoje()) if lido else None
            sessao, prefixo = self._sessao_para(sessao, mensagem, extracao)
            rascunho = Rascunho.de_json(sessao.dados)
            turno = maquina.responder(sessao, rascunho, mensagem, extracao)
            escrita.guardar_rascunho(sessao, rascunho.para_json(), mensagem.id, relogio.agora() + ociosidade())
            if turno.nota is not None:
                notas.append(turno.nota)
            if turno.cancelar is not None:
                cancelar.append(turno.cancelar)
                _auditar_cancelamento(self.telefone, *turno.cancelar)
            if turno.texto:
                saidas.append(nova_saida(sessao, prefixo + turno.texto, turno.chamada, canal=mensagem))
        db.session.flush()
        return Resultado(
            entregar=[s.id for s in saidas if s.envio is Envio.PENDENTE],
            notas=[n.id for n in notas],
            cancelar=cancelar,
            textos=[s.texto for s in saidas],
            estado=sessao.estado,
        )

    def _sessao_para(self, sessao: Sessao | None, mensagem: Mensagem, extracao: Extracao | None) -> tuple[Sessao, str]:
        """The open session this message belongs to. An idle-expired draft gives way to a new one; so does a
        conversation waiting for its note when the user asks for a new one (the note is still announced)."""
        prefixo = ""
        if sessao is not None and sessao.aberta:
            if sessao.estado is Estado.EMITINDO:
                if extracao is not None and extracao.intencao is Intencao.NOVA:
                    escrita.mudar_estado(sessao, Estado.CONCLUIDA)
            elif sessao.expira_em < mensagem.criado_em:
                prefixo = respostas.EXPIROU if Rascunho.de_json(sessao.dados).tem_campos else ""
                escrita.mudar_estado(sessao, Estado.EXPIRADA)
        if sessao is None or not sessao.aberta:
            sessao = nova_sessao(self.telefone, mensagem.provider, mensagem.instance, self.usuario_id)
        return sessao, prefixo
