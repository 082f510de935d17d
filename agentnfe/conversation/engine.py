"""Conversation engine (DESIGN.md §4): the only writer of sessions and messages.

Messages of one phone are processed in arrival order, one run at a time: on PostgreSQL a per-phone
advisory lock serializes the runs; everywhere, sessions carry a version column, so two runs that overlap
cannot both commit: the loser rolls back and runs again, finding the messages already answered.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..emission.notas import PedidoNota, criar_nota, tributacao
from ..extensions import db
from ..fiscal import formatar_brl, formatar_documento
from ..integrations import brasilapi
from ..models import (
    ClienteTomador,
    Direcao,
    EmpresaClienteTomador,
    Envio,
    Estado,
    Mensagem,
    NFSe,
    Provider,
    Sessao,
    StatusNFSe,
    TipoDocumento,
    TipoMensagem,
    User,
)
from ..models.enums import ESTADOS_FINAIS
from ..perfis import PerfilEmpresa, PerfilServico, empresas_do_telefone
from ..relogio import hoje
from . import cancelamento, respostas
from .extrator import OBRIGATORIOS, complementar
from .llm import ChamadaLLM
from .regras import Extracao, Intencao, extrair
from .texto import so_palavras

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


@dataclass
class _Turno:
    texto: str | None
    chamada: ChamadaLLM | None = None
    nota: NFSe | None = None
    cancelar: tuple[int, int, str] | None = None


def agora() -> datetime:
    return datetime.now(UTC)


def _chave_de_trava(telefone: str) -> int:
    """A stable 63-bit key for PostgreSQL's per-phone advisory lock."""
    return int.from_bytes(hashlib.blake2b(f"fone:{telefone}".encode(), digest_size=8).digest(), "big") >> 1


def nova_sessao(telefone: str, provider: Provider, instance: str, usuario_id: int | None = None) -> Sessao:
    """A fresh conversation for the phone (in the simulator: for the phone and the admin user), added to the
    database session."""
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    sessao = Sessao(
        telefone=telefone,
        provider=provider,
        instance=instance,
        usuario_id=usuario_id,
        estado=Estado.COLETA,
        dados={},
        expira_em=agora() + idle,
    )
    db.session.add(sessao)
    return sessao


def do_canal(telefone: str, usuario_id: int | None = None) -> tuple:
    """The sessions of one conversation channel: the phone on WhatsApp, or the phone and an admin user in the
    simulator (the two never see each other's sessions)."""
    usuario = Sessao.usuario_id.is_(None) if usuario_id is None else Sessao.usuario_id == usuario_id
    return (Sessao.telefone == telefone, usuario)


def sessao_aberta(telefone: str, usuario_id: int | None = None) -> sa.Select:
    return sa.select(Sessao).where(*do_canal(telefone, usuario_id), Sessao.estado.not_in(ESTADOS_FINAIS))


def _pendentes(telefone: str, usuario_id: int | None) -> sa.Select:
    """Inbound messages of the channel newer than the last one the engine processed, oldest first."""
    canal = do_canal(telefone, usuario_id)
    ultimo = sa.select(sa.func.coalesce(sa.func.max(Sessao.ultima_entrada_id), 0)).where(*canal).scalar_subquery()
    return (
        sa.select(Mensagem)
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .where(*canal, Mensagem.direcao == Direcao.ENTRADA, Mensagem.id > ultimo)
        .order_by(Mensagem.id)
    )


def perfis_do_canal(telefone: str, usuario_id: int | None = None) -> list[PerfilEmpresa]:
    """The empresas the phone may issue for: all of them on WhatsApp, only the user's firm's in the simulator."""
    perfis = empresas_do_telefone(telefone)
    if usuario_id is None:
        return perfis
    usuario = db.session.get(User, usuario_id)
    if usuario is None or not usuario.ativo:
        return []
    if usuario.contabilidade_id is None:
        return perfis if usuario.is_superuser else []
    return [p for p in perfis if p.contabilidade_id == usuario.contabilidade_id]


def consultar_tomadores(telefone: str, usuario_id: int | None = None) -> None:
    """Look up at BrasilAPI (cached) the CNPJs the channel's pending messages carry, before any transaction,
    so the espelho can show the razão social. Unknown phones cost no lookup; failures only cost a question."""
    if not perfis_do_canal(telefone, usuario_id):
        db.session.rollback()
        return
    textos = db.session.scalars(_pendentes(telefone, usuario_id).with_only_columns(Mensagem.texto)).all()
    cnpjs = set()
    for texto in textos:
        documento = extrair(texto or "", hoje()).documento
        if documento is not None and documento.tipo is TipoDocumento.CNPJ:
            cnpjs.add(documento.numero)
    if cnpjs:
        registrados = db.session.scalars(
            sa.select(ClienteTomador.documento).where(
                ClienteTomador.documento.in_(cnpjs), ClienteTomador.razao_social.is_not(None)
            )
        ).all()
        cnpjs -= set(registrados)
    db.session.rollback()  # no transaction stays open during the HTTP calls
    limite = min(CONSULTA_TIMEOUT, current_app.config["HTTP_TIMEOUT"])
    for cnpj in sorted(c for c in cnpjs if not brasilapi.falhou_ha_pouco(c)):
        try:
            brasilapi.consultar_cnpj(cnpj, timeout=limite)
        except brasilapi.ConsultaFalhou as erro:
            log.info("CNPJ lookup for the espelho failed (%s); the bot will ask the name", erro)


def processar_telefone(telefone: str, llm_timeout: float | None = None, usuario_id: int | None = None) -> Resultado:
    """Answer every stored, unprocessed inbound message of the channel (the phone on WhatsApp, or the phone and
    an admin user in the simulator), oldest first, and commit."""
    consultar_tomadores(telefone, usuario_id)
    for tentativa in range(1, ATTEMPTS + 1):
        try:
            resultado = _Conversa(telefone, llm_timeout, usuario_id).processar()
            db.session.commit()
            return resultado
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            log.info("phone …%s changed concurrently (attempt %d); processing again", telefone[-4:], tentativa)
    raise RuntimeError(f"could not process messages of phone …{telefone[-4:]} after {ATTEMPTS} attempts")


class _Conversa:
    def __init__(self, telefone: str, llm_timeout: float | None, usuario_id: int | None):
        self.telefone = telefone
        self.llm_timeout = llm_timeout
        self.usuario_id = usuario_id
        self.idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
        self.perfis: list[PerfilEmpresa] | None = None

    def processar(self) -> Resultado:
        if db.engine.dialect.name == "postgresql":
            chave = _chave_de_trava(f"{self.telefone}:{self.usuario_id or ''}")
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(chave)))
        # The session is read before the pending messages: whatever another worker commits after this read
        # bumps the session's version, so this run's UPDATE fails and starts over instead of answering twice.
        sessao = db.session.scalar(sessao_aberta(self.telefone, self.usuario_id))
        pendentes = db.session.scalars(_pendentes(self.telefone, self.usuario_id)).all()
        if not pendentes:
            return Resultado()
        saidas, notas, cancelar = [], [], []
        for mensagem in pendentes:
            sessao, prefixo = self._sessao_para(sessao, mensagem)
            dados = dict(sessao.dados or {})
            turno = self._responder(sessao, dados, mensagem)
            sessao.dados = dados
            sessao.ultima_entrada_id = mensagem.id
            sessao.expira_em = agora() + self.idle
            if turno.nota is not None:
                notas.append(turno.nota)
            if turno.cancelar is not None:
                cancelar.append(turno.cancelar)
            if turno.texto:
                saidas.append(_nova_saida(sessao, prefixo + turno.texto, turno.chamada, mensagem))
        db.session.flush()
        return Resultado(
            entregar=[s.id for s in saidas if s.envio is Envio.PENDENTE],
            notas=[n.id for n in notas],
            cancelar=cancelar,
            textos=[s.texto for s in saidas],
            estado=sessao.estado,
        )

    # --- sessions -----------------------------------------------------------------------------------
    def _sessao_para(self, sessao: Sessao | None, mensagem: Mensagem) -> tuple[Sessao, str]:
        """The open session this message belongs to: a closed or idle-expired one gives way to a new one."""
        prefixo = ""
        if sessao is not None and sessao.aberta and sessao.estado is not Estado.EMITINDO:
            if sessao.expira_em < mensagem.criado_em:
                tinha_rascunho = any((sessao.dados or {}).get(c) for c in OBRIGATORIOS)
                sessao.estado = Estado.EXPIRADA
                prefixo = respostas.EXPIROU if tinha_rascunho else ""
        if sessao is None or not sessao.aberta:
            sessao = nova_sessao(self.telefone, mensagem.provider, mensagem.instance, self.usuario_id)
        return sessao, prefixo

    # --- the state machine ------------------------------------------------------------------------------
    def _responder(self, sessao: Sessao, dados: dict, mensagem: Mensagem) -> _Turno:
        if self.perfis is None:
            self.perfis = perfis_do_canal(self.telefone, self.usuario_id)
        if not self.perfis:
            return self._uma_vez(dados, "recusado", respostas.DESCONHECIDO)
        if mensagem.tipo is not TipoMensagem.TEXTO:
            return self._uma_vez(dados, "aviso_midia", respostas.SO_TEXTO)
        dados.pop("aviso_midia", None)
        texto = mensagem.texto or ""
        extracao = extrair(texto, hoje())
        intencao = extracao.intencao

        if intencao is Intencao.AJUDA:
            return _Turno(respostas.AJUDA)
        if intencao is Intencao.CANCELAR_NOTA:
            return self._pedir_cancelamento(dados, extracao.numero_nota)
        if dados.get("cancelando"):
            passo = cancelamento.responder(dados, texto, intencao)
            if passo.texto is not None:
                return _Turno(passo.texto, cancelar=passo.cancelar)
        if sessao.estado is Estado.EMITINDO:
            return _Turno(respostas.AINDA_EMITINDO)
        if intencao is Intencao.NOVA:
            dados.clear()
            sessao.estado = Estado.COLETA
            return _Turno(respostas.NOVA)
        if intencao is Intencao.CANCELAR:
            if sessao.estado is Estado.COLETA and not any(dados.get(c) for c in OBRIGATORIOS):
                return _Turno(respostas.NADA_A_CANCELAR)
            sessao.estado = Estado.CANCELADA
            return _Turno(respostas.CANCELADO)

        empresa = self._empresa(sessao)
        if empresa is None:
            return self._escolher_empresa(sessao, dados, texto, extracao)
        if dados.get("pendente") == "servico":
            return self._escolher_servico(sessao, dados, empresa, texto)
        if dados.get("pendente") == "nome" and extracao.documento is None and extracao.valor is None:
            return self._nome(sessao, dados, empresa, texto, extracao)
        if sessao.estado is Estado.CONFIRMACAO:
            return self._confirmacao(sessao, dados, empresa, texto, extracao)
        return self._coleta(sessao, dados, empresa, texto, extracao)

    def _pedir_cancelamento(self, dados: dict, numero: str) -> _Turno:
        """Find an authorized note of this phone's empresas by number, show it and ask for the reason."""
        nota = db.session.scalars(
            sa.select(NFSe)
            .options(joinedload(NFSe.tomador))
            .where(
                NFSe.numero == numero,
                NFSe.empresa_id.in_([p.id for p in self.perfis]),
                NFSe.status == StatusNFSe.CONCLUIDA,
            )
            .order_by(NFSe.id.desc())
        ).first()
        if nota is None:
            return _Turno(respostas.nota_nao_encontrada(numero))
        tomador = (nota.tomador_dados or {}).get("nome") or (nota.tomador.razao_social if nota.tomador else None)
        if tomador is None and nota.tomador is not None:
            tomador = formatar_documento(nota.tomador.documento)
        return _Turno(cancelamento.iniciar(dados, nota.id, numero, formatar_brl(nota.valor), tomador or ""))

    @staticmethod
    def _uma_vez(dados: dict, chave: str, texto: str) -> _Turno:
        """Say something once per session (refusals, the text-only notice), then stay quiet."""
        if dados.get(chave):
            return _Turno(None)
        dados[chave] = True
        return _Turno(texto)

    def _empresa(self, sessao: Sessao) -> PerfilEmpresa | None:
        if sessao.empresa_id is None and len(self.perfis) == 1:
            sessao.empresa_id = self.perfis[0].id
        return next((p for p in self.perfis if p.id == sessao.empresa_id), None)

    def _escolher_empresa(self, sessao: Sessao, dados: dict, texto: str, extracao: Extracao) -> _Turno:
        if sessao.estado is Estado.ESCOLHA_EMPRESA:
            escolhida = _opcao(texto, self.perfis, lambda p: f"{p.nome} {p.razao_social}")
            if escolhida is None:
                return _Turno(respostas.ESCOLHA_INVALIDA + "\n\n" + respostas.escolha_empresa(self.perfis))
            sessao.empresa_id = escolhida.id
            return self._avancar(sessao, dados, escolhida, [], None)
        _mesclar(dados, extracao)
        sessao.estado = Estado.ESCOLHA_EMPRESA
        return _Turno(respostas.escolha_empresa(self.perfis))

    def _escolher_servico(self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa, texto: str) -> _Turno:
        opcoes = [s for s in empresa.servicos if s.id in dados.get("opcoes", [])]
        escolhido = _opcao(texto, opcoes, lambda s: f"{s.codigo_servico} {s.descricao or ''}")
        if escolhido is None:
            return _Turno(respostas.ESCOLHA_INVALIDA + "\n\n" + respostas.escolha_servico(opcoes, empresa.regime))
        dados.pop("pendente", None)
        dados.pop("opcoes", None)
        dados["servico_id"] = escolhido.id
        return self._avancar(sessao, dados, empresa, [], None)

    def _confirmacao(
        self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa, texto: str, extracao: Extracao
    ) -> _Turno:
        if extracao.intencao is Intencao.CONFIRMAR:
            return self._emitir(sessao, dados, empresa)
        if not extracao.descricao_explicita:
            extracao.descricao = None  # stray words are not a new description: "a descrição é …" is
        if extracao.tem_dados or extracao.competencia or extracao.documento_invalido or extracao.competencia_invalida:
            return self._coleta(sessao, dados, empresa, texto, extracao)
        if extracao.intencao is Intencao.NEGAR:
            return _Turno(respostas.O_QUE_CORRIGIR)
        return _Turno(respostas.NAO_ENTENDI_CONFIRMACAO)

    def _coleta(self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa, texto: str, extracao: Extracao) -> _Turno:
        conhecidos = {c for c in OBRIGATORIOS if dados.get(c)}
        if extracao.intencao is Intencao.SAUDACAO and not conhecidos:
            return _Turno(respostas.boas_vindas(empresa))
        chamada = complementar(extracao, texto, conhecidos, timeout=self.llm_timeout).chamada
        recebidos = _mesclar(dados, extracao)
        invalido = extracao.documento_invalido if extracao.documento is None else None
        invalido = invalido or extracao.competencia_invalida
        if invalido:
            if sessao.estado is not Estado.CONFIRMACAO:
                sessao.estado = Estado.DADOS_INCOMPLETOS if any(dados.get(c) for c in OBRIGATORIOS) else Estado.COLETA
            return _Turno(f"{invalido} Pode conferir e mandar de novo?", chamada)
        return self._avancar(sessao, dados, empresa, recebidos, chamada)

    def _avancar(self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa, recebidos: list[str], chamada) -> _Turno:
        """Ask for the next missing field, the service, or show the espelho."""
        faltando = [c for c in OBRIGATORIOS if not dados.get(c)]
        if faltando:
            sessao.estado = Estado.DADOS_INCOMPLETOS if len(faltando) < len(OBRIGATORIOS) else Estado.COLETA
            return _Turno(respostas.pergunta(faltando, recebidos), chamada)
        servico = next((s for s in empresa.servicos if s.id == dados.get("servico_id")), None)
        if servico is None:
            candidatos = _servicos_candidatos(empresa, dados["descricao"])
            if len(candidatos) > 1:
                dados["pendente"], dados["opcoes"] = "servico", [s.id for s in candidatos]
                sessao.estado = Estado.DADOS_INCOMPLETOS
                return _Turno(respostas.escolha_servico(candidatos, empresa.regime), chamada)
            if not candidatos:
                return _Turno(
                    "A empresa ainda não tem um serviço cadastrado para emitir notas. Peça para a sua contabilidade "
                    "completar o cadastro.",
                    chamada,
                )
            servico = candidatos[0]
        dados["servico_id"] = servico.id
        conhecido = _tomador(empresa.id, dados["documento"])
        nome = conhecido.razao_social or dados.get("nome_tomador") or conhecido.nome_vinculo
        if not nome:
            dados["pendente"] = "nome"
            sessao.estado = Estado.DADOS_INCOMPLETOS
            return _Turno(respostas.pergunta_nome(recebidos), chamada)
        sessao.estado = Estado.CONFIRMACAO
        valor, competencia = Decimal(dados["valor"]), _competencia(dados)
        imposto = tributacao(
            empresa.regime,
            servico.aliquota_iss,
            empresa.aliquota_simples_iss,
            conhecido.iss_retido(servico, empresa),
            valor,
        )
        avisos = []
        if conhecido.situacao_cadastral and conhecido.situacao_cadastral.upper() != "ATIVA":
            avisos.append(f"A situação cadastral deste CNPJ na Receita é {conhecido.situacao_cadastral}.")
        if _meses_antes(competencia) > 1:
            avisos.append(
                f"A competência {competencia:%m/%Y} é de mais de um mês atrás; confira se é mesmo o mês do serviço."
            )
        espelho = respostas.espelho(
            empresa, servico, dados["documento"], nome, valor, dados["descricao"], competencia, imposto, avisos
        )
        return _Turno(espelho, chamada)

    def _nome(self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa, texto: str, extracao: Extracao) -> _Turno:
        """The answer to "Qual o nome completo do cliente?"."""
        respostas_curtas = (Intencao.CONFIRMAR, Intencao.NEGAR, Intencao.SAUDACAO)
        nome = None if extracao.intencao in respostas_curtas else extracao.nome_tomador or nome_informado(texto)
        if not nome:
            return _Turno(respostas.NOME_INVALIDO)
        dados["nome_tomador"] = nome
        dados.pop("pendente", None)
        return self._avancar(sessao, dados, empresa, [], None)

    def _emitir(self, sessao: Sessao, dados: dict, empresa: PerfilEmpresa) -> _Turno:
        """Hand the confirmed draft to emission, which creates the pending note (integration id set first)."""
        servico = next(s for s in empresa.servicos if s.id == dados["servico_id"])
        conhecido = _tomador(empresa.id, dados["documento"])
        pedido = PedidoNota(
            contabilidade_id=empresa.contabilidade_id,
            empresa_id=empresa.id,
            regime=empresa.regime,
            codigo_municipio=empresa.codigo_municipio,
            aliquota_simples_iss=empresa.aliquota_simples_iss,
            servico_id=servico.id,
            aliquota_servico=servico.aliquota_iss,
            documento=dados["documento"],
            tipo_documento=TipoDocumento(dados["tipo_documento"]),
            nome_tomador=dados.get("nome_tomador"),
            valor=Decimal(dados["valor"]),
            descricao=dados["descricao"],
            competencia=_competencia(dados),
            iss_retido=conhecido.iss_retido(servico, empresa),
        )
        nota = criar_nota(pedido, sessao)
        sessao.estado = Estado.EMITINDO
        return _Turno(respostas.EMITINDO, nota=nota)


def avisar(sessao: Sessao, texto: str) -> Mensagem:
    """Store a message the bot sends on its own (an emission result, a notice) in the session."""
    return _nova_saida(sessao, texto, None)


def avisar_documento(sessao: Sessao, link: str) -> Mensagem:
    """Store a PDF to send as a WhatsApp document; the text is the note's signed link."""
    documento = avisar(sessao, link)
    documento.tipo = TipoMensagem.DOCUMENTO
    return documento


def avisar_telefone(telefone: str, texto: str) -> Mensagem:
    """A message nobody asked for (certificate expiry…): goes out through Evolution's default instance."""
    sessao = db.session.scalar(sessao_aberta(telefone))
    if sessao is None:
        sessao = nova_sessao(telefone, Provider.EVOLUTION, current_app.config["EVOLUTION_INSTANCE"] or "")
    return avisar(sessao, texto)


def aviso_de_limite(telefone: str) -> int | None:
    """Store the 'too many messages' notice in the phone's open session; returns its id to deliver."""
    sessao = db.session.scalar(sessao_aberta(telefone))
    if sessao is None:
        return None
    aviso = avisar(sessao, respostas.LIMITE)
    db.session.flush()
    aviso_id = aviso.id if aviso.envio is Envio.PENDENTE else None
    db.session.commit()
    return aviso_id


def _nova_saida(sessao: Sessao, texto: str, chamada: ChamadaLLM | None, resposta_a: Mensagem | None = None) -> Mensagem:
    """An outbound message, sent back through the channel (provider, instance) the user wrote on."""
    provider = resposta_a.provider if resposta_a else sessao.provider
    saida = Mensagem(
        sessao=sessao,
        direcao=Direcao.SAIDA,
        tipo=TipoMensagem.TEXTO,
        texto=texto,
        provider=provider,
        instance=resposta_a.instance if resposta_a else sessao.instance,
        envio=Envio.PENDENTE if provider.whatsapp else Envio.ENVIADA,
        llm_chamado=chamada is not None,
        tokens_in=chamada.tokens_in if chamada else None,
        tokens_out=chamada.tokens_out if chamada else None,
        llm_ms=chamada.ms if chamada else None,
    )
    db.session.add(saida)
    return saida


def _mesclar(dados: dict, extracao: Extracao) -> list[str]:
    """Write the fields the message brought into the draft; returns PT-BR labels of what was received."""
    recebidos = []
    if extracao.documento:
        if dados.get("documento") != extracao.documento.numero and not extracao.nome_tomador:
            dados.pop("nome_tomador", None)
        dados["documento"] = extracao.documento.numero
        dados["tipo_documento"] = extracao.documento.tipo.value
        recebidos.append(f"o {extracao.documento.rotulo} {formatar_documento(extracao.documento.numero)}")
    if extracao.valor is not None:
        dados["valor"] = str(extracao.valor)
        recebidos.append(f"o valor de {formatar_brl(extracao.valor)}")
    if extracao.descricao:
        dados["descricao"] = extracao.descricao
        dados.pop("servico_id", None)
        recebidos.append("a descrição")
    if extracao.nome_tomador:
        dados["nome_tomador"] = extracao.nome_tomador
    if extracao.competencia:
        dados["competencia"] = extracao.competencia.isoformat()
    return recebidos


def _competencia(dados: dict) -> date:
    if dados.get("competencia"):
        return date.fromisoformat(dados["competencia"])
    atual = hoje()
    return date(atual.year, atual.month, 1)


def _meses_antes(competencia: date) -> int:
    atual = hoje()
    return (atual.year - competencia.year) * 12 + atual.month - competencia.month


_PREFIXO_NOME = re.compile(
    r"^(?:(?:o|a)\s+)?(?:nome(?:\s+completo)?(?:\s+d[oa]\s+(?:cliente|tomador))?\s*(?:é|e|eh|:|-)?|"
    r"(?:ele|ela)?\s*se\s+chama|chama(?:-se)?|é)\s+",
    re.IGNORECASE,
)
_CONECTORES = {"de", "da", "do", "das", "dos", "e"}


def nome_informado(texto: str) -> str | None:
    """A person's or company's name typed as an answer ("Maria da Silva", "o nome é João Souza"), or None."""
    limpo = " ".join(texto.split()).strip(" .,!;:")
    limpo = _PREFIXO_NOME.sub("", limpo, count=1).strip(" .,!;:")
    if re.search(r"\d", limpo) or len(re.findall(r"[^\W\d_]", limpo)) < 3 or len(limpo) > 200:
        return None
    if limpo.islower():
        limpo = " ".join(p if p in _CONECTORES else p[:1].upper() + p[1:] for p in limpo.split())
    return limpo


@dataclass
class _TomadorConhecido:
    razao_social: str | None
    """The registry's name (BrasilAPI, stored or looked up for this conversation)."""
    situacao_cadastral: str | None
    nome_vinculo: str | None
    """The name the firm or its client gave this tomador before."""
    retido_override: bool | None

    def iss_retido(self, servico: PerfilServico, empresa: PerfilEmpresa) -> bool:
        """The empresa's per-tomador override wins over the service's default; a MEI never withholds."""
        if empresa.mei:
            return False
        return servico.iss_retido if self.retido_override is None else self.retido_override


def _tomador(empresa_id: int, documento: str) -> _TomadorConhecido:
    """What is known of the tomador of this document: registry (or the lookup's cache) and the empresa's link."""
    linha = db.session.execute(
        sa.select(
            ClienteTomador.razao_social,
            ClienteTomador.situacao_cadastral,
            EmpresaClienteTomador.nome,
            EmpresaClienteTomador.iss_retido,
        )
        .outerjoin(
            EmpresaClienteTomador,
            sa.and_(
                EmpresaClienteTomador.tomador_id == ClienteTomador.id, EmpresaClienteTomador.empresa_id == empresa_id
            ),
        )
        .where(ClienteTomador.documento == documento)
    ).first()
    conhecido = _TomadorConhecido(*linha) if linha else _TomadorConhecido(None, None, None, None)
    if conhecido.razao_social is None and len(documento) == 14:
        consulta = brasilapi.em_cache(documento)
        if consulta is not None:
            conhecido.razao_social, conhecido.situacao_cadastral = consulta.razao_social, consulta.situacao_cadastral
    return conhecido


def _servicos_candidatos(empresa: PerfilEmpresa, descricao: str) -> list[PerfilServico]:
    """Services whose keywords appear in the description; the padrão one when none (or only it) fits."""
    texto = f" {so_palavras(descricao)} "
    casam = [s for s in empresa.servicos if any(f" {so_palavras(p)} " in texto for p in s.palavras_chave)]
    if casam:
        return casam
    padrao = [s for s in empresa.servicos if s.padrao]
    return padrao or list(empresa.servicos)


def _opcao(texto: str, opcoes: list, nome):
    """The option chosen by its number in the list or by (part of) its name, when unambiguous."""
    resposta = so_palavras(texto)
    numero = re.fullmatch(r"(?:opcao |numero |a |o )?(\d{1,2})", resposta)
    if numero:
        indice = int(numero.group(1)) - 1
        return opcoes[indice] if 0 <= indice < len(opcoes) else None
    if len(resposta) < 3:
        return None
    casam = [o for o in opcoes if resposta in so_palavras(nome(o)) or so_palavras(nome(o)) in resposta]
    return casam[0] if len(casam) == 1 else None
