"""Replay for support staff: the replay column of the status table, safe to run twice."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao

from ..models import AcaoTentativa, Empresa, NFSe, StatusNFSe
from . import acompanhamento, registro, service
from .registro import Efeitos

ACOES = {
    StatusNFSe.PENDENTE: "enviar",
    StatusNFSe.ENVIADA: "consultar e, se o gateway não tiver a nota, reenviar",
    StatusNFSe.ERRO: "consultar e reenviar com o mesmo id",
    StatusNFSe.PROCESSANDO: "consultar",
    StatusNFSe.ATENCAO: "consultar e, se o gateway não tiver a nota, reenviar com o mesmo id",
    StatusNFSe.REJEITADA: "reenviar com um novo id de integração",
    StatusNFSe.CONCLUIDA: "nada",
    StatusNFSe.CANCELADA: "nada",
}


@dataclass
class Resumo:
    por_status_final: Counter = field(default_factory=Counter)
    efeitos: list[tuple[int, Efeitos]] = field(default_factory=list)


def selecionar(status: Iterable[StatusNFSe], empresa_cnpj: str | None, desde: date | None) -> sa.Select:
    consulta = sa.select(NFSe.id).where(NFSe.status.in_(list(status))).order_by(NFSe.id)
    if empresa_cnpj:
        consulta = consulta.join(Empresa, Empresa.id == NFSe.empresa_id).where(Empresa.cnpj == empresa_cnpj)
    if desde:
        consulta = consulta.where(NFSe.criado_em >= relogio.inicio_do_dia(desde))
    return consulta


def proximo_id(id_integracao: str) -> str:
    """`agentnfe-…` → `agentnfe-…-2` → `…-3`: a rejected note goes out again under a new integration id."""
    match = re.fullmatch(r"(.+)-(\d{1,3})", id_integracao)
    return f"{match.group(1)}-{int(match.group(2)) + 1}" if match else f"{id_integracao}-2"


def reprocessar(nfse_id: int, origem: str, usuario_id: int | None = None) -> Efeitos:
    """Apply the replay rule to one note."""
    nota = db.session.get(NFSe, nfse_id)
    if nota is None:
        return Efeitos()
    if nota.status is StatusNFSe.PROCESSANDO:
        return acompanhamento.consultar(nfse_id, origem=origem, usuario_id=usuario_id)
    if nota.status is StatusNFSe.ATENCAO:
        return acompanhamento.retomar(nfse_id, origem, usuario_id)
    if nota.status is StatusNFSe.REJEITADA:
        with transacao():
            registro.de_novo(nota, proximo_id(nota.id_integracao))
    if nota.status in service.A_ENVIAR:
        return service.emitir(nfse_id, origem=origem, usuario_id=usuario_id, acao=AcaoTentativa.REEMITIR)
    return Efeitos()


def executar(
    ids: list[int], origem: str, usuario_id: int | None = None, progresso: Callable[[], None] | None = None
) -> Resumo:
    resumo = Resumo()
    for nfse_id in ids:
        efeitos = reprocessar(nfse_id, origem, usuario_id)
        resumo.efeitos.append((nfse_id, efeitos))
        resumo.por_status_final[db.session.scalar(sa.select(NFSe.status).where(NFSe.id == nfse_id)).value] += 1
        if progresso:
            progresso()
    return resumo
