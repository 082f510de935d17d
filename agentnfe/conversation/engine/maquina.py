"""The state machine of a conversation (docs/arquitetura.md §4): one inbound message, its session and draft in, the reply out.

It reads the database and never calls out: a message that needs the LLM stops the run (PrecisaLLM) so that the
LLM is asked outside any transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from agentnfe.cadastros.perfis import PerfilEmpresa, aliquota_vigente
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

from ...emission.dps import endereco_exigido
from ...emission.notas import PedidoNota, criar_nota, tributacao
from ...fiscal import formatar_brl, formatar_documento, incidencia
from ...models import Estado, Mensagem, NFSe, Sessao, StatusNFSe, TipoMensagem
from .. import cancelamento, endereco, escrita, respostas
from ..escolhas import nome_informado, opcao, servicos_candidatos
from ..extrator import complementar, precisa_llm
from ..intencoes import Intencao
from ..llm import ChamadaLLM
from ..rascunho import OBRIGATORIOS, Pergunta, Rascunho
from ..regras import Extracao
from ..tomador import conhecer, incidencia_do_rascunho

SEM_SERVICO = (
    "A empresa ainda não tem um serviço cadastrado para emitir notas. Peça para a sua contabilidade completar o "
    "cadastro."
)


@dataclass
class Turno:
    texto: str | None
    chamada: ChamadaLLM | None = None
    nota: NFSe | None = None
    """The note the user confirmed, created in this turn."""
    cancelar: tuple[int, int, str] | None = None
    """(note id, national code, reason) of an authorized note the user confirmed to cancel."""


class PrecisaLLM(Exception):
    """A message needs the LLM, which is never called inside the run's transaction: the caller asks it outside,
    then runs again with the answer."""

    def __init__(self, mensagem_id: int, texto: str, conhecidos: set[str]):
        super().__init__(f"message {mensagem_id} needs the LLM")
        self.mensagem_id, self.texto, self.conhecidos = mensagem_id, texto, conhecidos


class Maquina:
    def __init__(self, perfis: list[PerfilEmpresa], chamadas: dict[int, ChamadaLLM | None]):
        self.perfis = perfis
        self.chamadas = chamadas
        """The LLM's answers, asked outside the transaction, by message id."""

    def responder(self, sessao: Sessao, rascunho: Rascunho, mensagem: Mensagem, extracao: Extracao | None) -> Turno:
        """Answer one message (`extracao`: the rules' reading of a text message, None for media)."""
        if not self.perfis:
            return self._uma_vez(rascunho, "recusa_dita", respostas.DESCONHECIDO)
        if mensagem.tipo is not TipoMensagem.TEXTO:
            return self._uma_vez(rascunho, "aviso_midia_dito", respostas.SO_TEXTO)
        rascunho.aviso_midia_dito = False
        texto = mensagem.texto or ""
        intencao = extracao.intencao

        if intencao is Intencao.AJUDA:
            return Turno(respostas.AJUDA)
        if intencao is Intencao.CANCELAR_NOTA:
            return self._pedir_cancelamento(sessao, rascunho, extracao.numero_nota)
        if rascunho.cancelamento is not None:
            passo = cancelamento.responder(rascunho, texto, intencao)
            if passo.texto is not None:
                return Turno(passo.texto, cancelar=passo.cancelar)
        if sessao.estado is Estado.EMITINDO:
            return Turno(respostas.nota_em_andamento(_status_da_nota(sessao)))
        if intencao is Intencao.NOVA:
            rascunho.recomecar()
            escrita.mudar_estado(sessao, Estado.COLETA)
            return Turno(respostas.NOVA)
        if intencao is Intencao.CANCELAR:
            if sessao.estado is Estado.COLETA and not rascunho.tem_campos:
                return Turno(respostas.NADA_A_CANCELAR)
            escrita.mudar_estado(sessao, Estado.CANCELADA)
            return Turno(respostas.CANCELADO)

        empresa = self._empresa(sessao)
        if empresa is None:
            return self._escolher_empresa(sessao, rascunho, texto, extracao)
        if rascunho.pergunta is Pergunta.SERVICO:
            return self._escolher_servico(sessao, rascunho, empresa, texto)
        if rascunho.pergunta is Pergunta.NOME and extracao.documento is None and extracao.valor is None:
            return self._nome(sessao, rascunho, empresa, texto, extracao)
        sem_dados_da_nota = extracao.documento is None and extracao.valor is None
        if rascunho.pergunta is Pergunta.ENDERECO and (endereco.ceps(texto) or sem_dados_da_nota):
            return self._endereco(sessao, rascunho, empresa, texto)
        if sessao.estado is Estado.CONFIRMACAO:
            return self._confirmacao(sessao, rascunho, empresa, mensagem, extracao)
        return self._coleta(sessao, rascunho, empresa, mensagem, extracao)

    @staticmethod
    def _uma_vez(rascunho: Rascunho, dito: str, texto: str) -> Turno:
        """Say something once per session (refusals, the text-only notice), then stay quiet."""
        if getattr(rascunho, dito):
            return Turno(None)
        setattr(rascunho, dito, True)
        return Turno(texto)

    def _pedir_cancelamento(self, sessao: Sessao, rascunho: Rascunho, numero: str) -> Turno:
        """Find an authorized note by number among the notes of the conversation's empresa — of the phone's
        empresas while the conversation is about none yet, which then becomes the note's (so the firm sees it in
        Conversas) — show it and ask for the reason. A phone may serve empresas of two firms: a number found
        in several of them is never picked for the user."""
        empresa = self._empresa(sessao)
        empresas = [empresa.id] if empresa is not None else [p.id for p in self.perfis]
        notas = db.session.scalars(
            sa.select(NFSe)
            .options(joinedload(NFSe.tomador))
            .where(NFSe.numero == numero, NFSe.empresa_id.in_(empresas), NFSe.status == StatusNFSe.CONCLUIDA)
            .order_by(NFSe.id.desc())
        ).all()
        if not notas:
            return Turno(respostas.nota_nao_encontrada(numero))
        donas = {n.empresa_id for n in notas}
        if len(donas) > 1:
            nomes = [p.nome for p in self.perfis if p.id in donas]
            return Turno(respostas.nota_em_varias_empresas(numero, nomes))
        nota = notas[0]
        if sessao.empresa_id is None:
            escrita.atribuir_empresa(sessao, nota.empresa_id)
        tomador = (nota.tomador_dados or {}).get("nome") or (nota.tomador.razao_social if nota.tomador else None)
        if tomador is None and nota.tomador is not None:
            tomador = formatar_documento(nota.tomador.documento)
        return Turno(cancelamento.iniciar(rascunho, nota.id, numero, formatar_brl(nota.valor), tomador or ""))

    def _empresa(self, sessao: Sessao) -> PerfilEmpresa | None:
        if sessao.empresa_id is None and len(self.perfis) == 1:
            escrita.atribuir_empresa(sessao, self.perfis[0].id)
        return next((p for p in self.perfis if p.id == sessao.empresa_id), None)

    def _escolher_empresa(self, sessao: Sessao, rascunho: Rascunho, texto: str, extracao: Extracao) -> Turno:
        if sessao.estado is Estado.ESCOLHA_EMPRESA:
            escolhida = opcao(texto, self.perfis, lambda p: f"{p.nome} {p.razao_social}")
            if escolhida is None:
                return Turno(respostas.ESCOLHA_INVALIDA + "\n\n" + respostas.escolha_empresa(self.perfis))
            escrita.atribuir_empresa(sessao, escolhida.id)
            return self._avancar(sessao, rascunho, escolhida, [], None)
        rascunho.mesclar(extracao)
        escrita.mudar_estado(sessao, Estado.ESCOLHA_EMPRESA)
        return Turno(respostas.escolha_empresa(self.perfis))

    def _escolher_servico(self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, texto: str) -> Turno:
        opcoes = [s for s in empresa.servicos if s.id in rascunho.opcoes]
        escolhido = opcao(texto, opcoes, lambda s: f"{s.codigo_servico} {s.descricao or ''}")
        if escolhido is None:
            return Turno(respostas.ESCOLHA_INVALIDA + "\n\n" + respostas.escolha_servico(opcoes, empresa.regime))
        rascunho.pergunta, rascunho.opcoes, rascunho.servico_id = None, [], escolhido.id
        return self._avancar(sessao, rascunho, empresa, [], None)

    def _confirmacao(
        self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, mensagem: Mensagem, extracao: Extracao
    ) -> Turno:
        if extracao.intencao is Intencao.CONFIRMAR:
            return self._emitir(sessao, rascunho, empresa)
        if not extracao.descricao_explicita:
            extracao.descricao = None  # stray words are not a new description: "a descrição é …" is
        if extracao.tem_dados or extracao.competencia or extracao.documento_invalido or extracao.competencia_invalida:
            return self._coleta(sessao, rascunho, empresa, mensagem, extracao)
        if extracao.intencao is Intencao.NEGAR:
            return Turno(respostas.O_QUE_CORRIGIR)
        return Turno(respostas.NAO_ENTENDI_CONFIRMACAO)

    def _coleta(
        self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, mensagem: Mensagem, extracao: Extracao
    ) -> Turno:
        conhecidos = set(OBRIGATORIOS) - set(rascunho.faltando)
        if extracao.intencao is Intencao.SAUDACAO and not conhecidos:
            return Turno(respostas.boas_vindas(empresa))
        chamada = None
        if precisa_llm(extracao, conhecidos):
            if mensagem.id not in self.chamadas:
                raise PrecisaLLM(mensagem.id, mensagem.texto or "", conhecidos)
            chamada = self.chamadas[mensagem.id]
        complementar(extracao, conhecidos, chamada)
        recebidos = rascunho.mesclar(extracao)
        invalido = extracao.documento_invalido if extracao.documento is None else None
        invalido = invalido or extracao.competencia_invalida
        if invalido:
            if sessao.estado is not Estado.CONFIRMACAO:
                escrita.mudar_estado(sessao, Estado.DADOS_INCOMPLETOS if rascunho.tem_campos else Estado.COLETA)
            return Turno(f"{invalido} Pode conferir e mandar de novo?", chamada)
        return self._avancar(sessao, rascunho, empresa, recebidos, chamada)

    def _avancar(
        self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, recebidos: list[str], chamada
    ) -> Turno:
        """Ask for the next missing field, the service or the tomador's name; or show the espelho."""
        if rascunho.faltando:
            escrita.mudar_estado(sessao, Estado.DADOS_INCOMPLETOS if rascunho.tem_campos else Estado.COLETA)
            return Turno(respostas.pergunta(rascunho.faltando, recebidos), chamada)
        servico = next((s for s in empresa.servicos if s.id == rascunho.servico_id), None)
        if servico is None:
            candidatos = servicos_candidatos(empresa, rascunho.descricao)
            if len(candidatos) > 1:
                rascunho.pergunta, rascunho.opcoes = Pergunta.SERVICO, [s.id for s in candidatos]
                escrita.mudar_estado(sessao, Estado.DADOS_INCOMPLETOS)
                return Turno(respostas.escolha_servico(candidatos, empresa.regime), chamada)
            if not candidatos:
                return Turno(SEM_SERVICO, chamada)
            servico = candidatos[0]
        rascunho.servico_id = servico.id
        conhecido = conhecer(empresa.id, rascunho.documento)
        nome = conhecido.razao_social or rascunho.nome_tomador or conhecido.nome_vinculo
        if not nome:
            rascunho.pergunta = Pergunta.NOME
            escrita.mudar_estado(sessao, Estado.DADOS_INCOMPLETOS)
            return Turno(respostas.pergunta_nome(recebidos), chamada)
        retido = conhecido.iss_retido(servico, empresa)
        regra = incidencia.regra(servico.codigo_tributacao_nacional, servico.codigo_servico)
        exige = endereco_exigido(rascunho.documento, retido, regra is incidencia.Regra.TOMADOR)
        if empresa.nacional and exige and not conhecido.endereco_completo and rascunho.endereco is None:
            rascunho.pergunta = Pergunta.ENDERECO
            escrita.mudar_estado(sessao, Estado.DADOS_INCOMPLETOS)
            return Turno(respostas.PERGUNTA_ENDERECO, chamada)
        rascunho.pergunta = None
        escrita.mudar_estado(sessao, Estado.CONFIRMACAO)
        competencia = rascunho.competencia_ou_mes_atual
        devido = incidencia_do_rascunho(empresa, servico, conhecido, rascunho.endereco)
        imposto = tributacao(
            empresa.regime, aliquota_vigente(empresa, servico, devido.municipio), empresa.aliquota_simples_iss, retido,
            rascunho.valor, empresa.apuracao_simples,
        )  # fmt: skip
        avisos = respostas.avisos_do_espelho(conhecido.situacao_cadastral, competencia, relogio.hoje())
        espelho = respostas.espelho(
            empresa,
            servico,
            rascunho.documento,
            nome,
            rascunho.valor,
            rascunho.descricao,
            competencia,
            imposto,
            avisos,
            devido,
            endereco.linha(rascunho.endereco) if rascunho.endereco else None,
            rascunho.data_servico,
        )
        return Turno(espelho, chamada)

    def _endereco(self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, texto: str) -> Turno:
        """The answer to "mande o CEP e o número": the street comes from the CEP lookup made before this run; when it
        failed, the CEP and the number are kept and the accountant completes the rest before the note is sent."""
        cep, numero = endereco.ler(texto)
        if cep is None:
            return Turno(respostas.CEP_NAO_ENTENDIDO)
        if numero is None:
            return Turno(respostas.FALTA_NUMERO)
        rascunho.endereco, rascunho.pergunta = endereco.do_cep(cep, numero), None
        return self._avancar(sessao, rascunho, empresa, [], None)

    def _nome(
        self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa, texto: str, extracao: Extracao
    ) -> Turno:
        """The answer to "Qual o nome completo do cliente?"."""
        respostas_curtas = (Intencao.CONFIRMAR, Intencao.NEGAR, Intencao.SAUDACAO)
        nome = None if extracao.intencao in respostas_curtas else extracao.nome_tomador or nome_informado(texto)
        if not nome:
            return Turno(respostas.NOME_INVALIDO)
        rascunho.nome_tomador, rascunho.pergunta = nome, None
        return self._avancar(sessao, rascunho, empresa, [], None)

    def _emitir(self, sessao: Sessao, rascunho: Rascunho, empresa: PerfilEmpresa) -> Turno:
        """Hand the confirmed draft to emission, which creates the pending note (integration id set first)."""
        servico = next(s for s in empresa.servicos if s.id == rascunho.servico_id)
        conhecido = conhecer(empresa.id, rascunho.documento)
        devido = incidencia_do_rascunho(empresa, servico, conhecido, rascunho.endereco)
        pedido = PedidoNota.para(
            empresa,
            servico,
            aliquota=aliquota_vigente(empresa, servico, devido.municipio),
            documento=rascunho.documento,
            tipo_documento=rascunho.tipo_documento,
            nome_tomador=rascunho.nome_tomador,
            valor=rascunho.valor,
            descricao=rascunho.descricao,
            competencia=rascunho.competencia_ou_mes_atual,
            iss_retido=conhecido.iss_retido(servico, empresa),
            endereco=rascunho.endereco,
            data_servico=rascunho.data_servico,
        )
        nota = criar_nota(pedido, sessao)
        escrita.mudar_estado(sessao, Estado.EMITINDO)
        return Turno(respostas.EMITINDO, nota=nota)


def _status_da_nota(sessao: Sessao) -> StatusNFSe | None:
    """The status of the note this conversation confirmed (a session confirms at most one)."""
    return db.session.scalar(
        sa.select(NFSe.status).where(NFSe.sessao_id == sessao.id).order_by(NFSe.id.desc()).limit(1)
    )
