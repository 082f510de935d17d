"""The draft of a note as a conversation builds it (docs/arquitetura.md §4), stored as JSON in `Sessao.dados`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from agentnfe.infra import relogio

from ..fiscal import formatar_brl, formatar_documento
from ..fiscal.tipos import TipoDocumento
from .regras import Extracao

OBRIGATORIOS = ("documento", "valor", "descricao")


class Pergunta(StrEnum):
    """A question the bot asked and is waiting to have answered."""

    SERVICO = "servico"
    """Several of the empresa's services fit the description: which one?"""
    NOME = "nome"
    """The registry has no name for the tomador (always for a CPF): "Qual o nome completo do cliente?"."""
    ENDERECO = "endereco"
    """A national note needs the tomador's address and nobody has it: "mande o CEP e o número"."""


class EtapaCancelamento(StrEnum):
    CODIGO = "codigo"
    """The note was shown; waiting for the reason (1 erro na emissão, 2 serviço não prestado, 9 outros)."""
    TEXTO = "texto"
    """Waiting for the reason in words (15 to 255 characters)."""
    CONFIRMACAO = "confirmacao"


@dataclass
class Cancelamento:
    """Cancelling an authorized note: kept apart from the draft, which resumes afterwards."""

    nota_id: int
    numero: str
    etapa: EtapaCancelamento = EtapaCancelamento.CODIGO
    codigo: int | None = None
    motivo: str | None = None


@dataclass
class Rascunho:
    documento: str | None = None
    tipo_documento: TipoDocumento | None = None
    valor: Decimal | None = None
    descricao: str | None = None
    nome_tomador: str | None = None
    competencia: date | None = None
    data_servico: date | None = None
    """The day of the service, when the user said it (the national DPS's dCompet)."""
    servico_id: int | None = None
    pergunta: Pergunta | None = None
    opcoes: list[int] = field(default_factory=list)
    """Ids of the services offered when the question is which service."""
    endereco: dict | None = None
    """The tomador's address the user gave (conversation/endereco.py), kept on the firm's link at confirmation."""
    cancelamento: Cancelamento | None = None
    recusa_dita: bool = False
    """An unknown phone was told once that it is not authorized."""
    aviso_midia_dito: bool = False
    """The user was told once that only text is understood."""

    @property
    def faltando(self) -> list[str]:
        return [campo for campo in OBRIGATORIOS if getattr(self, campo) in (None, "")]

    @property
    def tem_campos(self) -> bool:
        """Whether any required field is filled in."""
        return len(self.faltando) < len(OBRIGATORIOS)

    @property
    def competencia_ou_mes_atual(self) -> date:
        """The month of service the user gave, else the current month."""
        return self.competencia or relogio.hoje().replace(day=1)

    def mesclar(self, extracao: Extracao) -> list[str]:
        """Write the fields a message brought into the draft; returns PT-BR labels of what was received."""
        recebidos = []
        if extracao.documento:
            if self.documento != extracao.documento.numero and not extracao.nome_tomador:
                self.nome_tomador = None
            if self.documento != extracao.documento.numero:
                self.endereco = None
            self.documento, self.tipo_documento = extracao.documento.numero, extracao.documento.tipo
            recebidos.append(f"o {extracao.documento.rotulo} {formatar_documento(extracao.documento.numero)}")
        if extracao.valor is not None:
            self.valor = extracao.valor
            recebidos.append(f"o valor de {formatar_brl(extracao.valor)}")
        if extracao.descricao:
            self.descricao, self.servico_id = extracao.descricao, None
            recebidos.append("a descrição")
        if extracao.nome_tomador:
            self.nome_tomador = extracao.nome_tomador
        if extracao.competencia:
            self.competencia = extracao.competencia
            if self.data_servico and (self.data_servico.year, self.data_servico.month) != (
                extracao.competencia.year, extracao.competencia.month,
            ):  # fmt: skip
                self.data_servico = None  # another month was said: that day no longer applies
        if extracao.data_servico:
            self.data_servico = extracao.data_servico
        return recebidos

    def recomecar(self) -> None:
        """A new note from scratch ("nova nota"); what the user was told once stays told."""
        recusa, midia = self.recusa_dita, self.aviso_midia_dito
        self.__init__()
        self.recusa_dita, self.aviso_midia_dito = recusa, midia

    @classmethod
    def de_json(cls, dados: dict[str, Any] | None) -> Rascunho:
        """Read a stored draft (older sessions wrote a few keys under other names)."""
        dados = dict(dados or {})
        cancelamento = dados.get("cancelamento")
        if cancelamento is None and dados.get("cancelar"):  # the first layout of the cancel dialogue
            etapas = {"cancelamento_codigo": "codigo", "cancelamento_motivo": "texto", "cancelamento": "confirmacao"}
            cancelamento = {
                "nota_id": dados["cancelar"],
                "numero": dados.get("cancelar_numero", ""),
                "etapa": etapas.get(dados.get("cancelando") or dados.get("pendente"), "codigo"),
                "codigo": dados.get("cancelar_codigo"),
                "motivo": dados.get("cancelar_motivo"),
            }
        pergunta = dados.get("pergunta") or dados.get("pendente")
        return cls(
            documento=dados.get("documento"),
            tipo_documento=TipoDocumento(dados["tipo_documento"]) if dados.get("tipo_documento") else None,
            valor=Decimal(dados["valor"]) if dados.get("valor") else None,
            descricao=dados.get("descricao"),
            nome_tomador=dados.get("nome_tomador"),
            competencia=date.fromisoformat(dados["competencia"]) if dados.get("competencia") else None,
            data_servico=date.fromisoformat(dados["data_servico"]) if dados.get("data_servico") else None,
            servico_id=dados.get("servico_id"),
            pergunta=Pergunta(pergunta) if pergunta in set(Pergunta) else None,
            opcoes=list(dados.get("opcoes") or []),
            endereco=dict(dados["endereco"]) if isinstance(dados.get("endereco"), dict) else None,
            cancelamento=Cancelamento(
                nota_id=cancelamento["nota_id"],
                numero=cancelamento["numero"],
                etapa=EtapaCancelamento(cancelamento.get("etapa") or "codigo"),
                codigo=cancelamento.get("codigo"),
                motivo=cancelamento.get("motivo"),
            )
            if cancelamento
            else None,
            recusa_dita=bool(dados.get("recusa_dita") or dados.get("recusado")),
            aviso_midia_dito=bool(dados.get("aviso_midia_dito") or dados.get("aviso_midia")),
        )

    def para_json(self) -> dict[str, Any]:
        """The JSON stored in the session; empty fields are left out."""
        cancelamento = None
        if self.cancelamento is not None:
            c = self.cancelamento
            cancelamento = {"nota_id": c.nota_id, "numero": c.numero, "etapa": c.etapa.value}
            cancelamento |= {k: v for k, v in (("codigo", c.codigo), ("motivo", c.motivo)) if v is not None}
        valores = {
            "documento": self.documento,
            "tipo_documento": self.tipo_documento.value if self.tipo_documento else None,
            "valor": str(self.valor) if self.valor is not None else None,
            "descricao": self.descricao,
            "nome_tomador": self.nome_tomador,
            "competencia": self.competencia.isoformat() if self.competencia else None,
            "data_servico": self.data_servico.isoformat() if self.data_servico else None,
            "servico_id": self.servico_id,
            "pergunta": self.pergunta.value if self.pergunta else None,
            "opcoes": self.opcoes or None,
            "endereco": self.endereco,
            "cancelamento": cancelamento,
            "recusa_dita": self.recusa_dita or None,
            "aviso_midia_dito": self.aviso_midia_dito or None,
        }
        return {chave: valor for chave, valor in valores.items() if valor is not None}
