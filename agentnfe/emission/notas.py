"""Creating a note (the conversation confirms, this writes) and correcting one before it is sent again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from agentnfe.cadastros import convenios, tomadores

from ..fiscal import incidencia, iss
from ..models import (
    FonteTomador,
    NFSe,
    NomeGateway,
    Regime,
    Sessao,
    StatusNFSe,
    TipoDocumento,
)
from . import registro
from .gateways import nome_do_gateway

if TYPE_CHECKING:
    from agentnfe.cadastros.perfis import PerfilEmpresa, PerfilServico

CORRIGIVEIS = (StatusNFSe.PENDENTE, StatusNFSe.ERRO, StatusNFSe.REJEITADA)


@dataclass(frozen=True)
class PedidoNota:
    """Everything a confirmed draft says about the note to issue."""

    contabilidade_id: int
    empresa_id: int
    regime: Regime
    codigo_municipio: str
    aliquota_simples_iss: Decimal | None
    apuracao_simples: int
    servico_id: int
    aliquota_servico: Decimal
    documento: str
    tipo_documento: TipoDocumento
    nome_tomador: str | None
    valor: Decimal
    descricao: str
    competencia: date
    iss_retido: bool
    endereco: dict | None = None
    """The tomador's address the user gave for this note (conversation/endereco.py): kept on the firm's link."""
    data_servico: date | None = None

    @classmethod
    def para(
        cls, empresa: PerfilEmpresa, servico: PerfilServico, aliquota: Decimal | None = None, **campos
    ) -> PedidoNota:
        """The note of an empresa's profile and one of its services; `campos` are the tomador's and the note's.
        `aliquota`: the service's rate where it is due (perfis.aliquota_vigente), the profile's by default."""
        return cls(
            contabilidade_id=empresa.contabilidade_id,
            empresa_id=empresa.id,
            regime=empresa.regime,
            codigo_municipio=empresa.codigo_municipio,
            aliquota_simples_iss=empresa.aliquota_simples_iss,
            apuracao_simples=empresa.apuracao_simples,
            servico_id=servico.id,
            aliquota_servico=servico.aliquota_iss if aliquota is None else aliquota,
            **campos,
        )


def tributacao(
    regime: Regime, aliquota_servico, aliquota_simples, retido: bool, valor: Decimal, apuracao: int | None = 1
) -> iss.ISS:
    """The note's ISS; a withheld Simples note without the Simples rate keeps no rate (emission refuses it)."""
    try:
        return iss.calcular(regime, aliquota_servico, aliquota_simples, retido, valor, apuracao)
    except iss.AliquotaSimplesFaltando:
        return iss.ISS(None, retido, None)


def criar_nota(pedido: PedidoNota, sessao: Sessao | None = None) -> NFSe:
    """Add the pending note (integration id set before the INSERT), its tomador and the empresa's link to it.

    A name the user gave for the tomador is kept on the empresa's link, never in the shared registry.
    """
    tomador, _ = tomadores.vincular(
        pedido.empresa_id, pedido.documento, pedido.tipo_documento, FonteTomador.WHATSAPP, pedido.nome_tomador,
        pedido.endereco,
    )  # fmt: skip
    imposto = tributacao(
        pedido.regime, pedido.aliquota_servico, pedido.aliquota_simples_iss, pedido.iss_retido, pedido.valor,
        pedido.apuracao_simples,
    )  # fmt: skip
    return registro.nova(
        contabilidade_id=pedido.contabilidade_id,
        empresa_id=pedido.empresa_id,
        servico_id=pedido.servico_id,
        tomador=tomador,
        sessao=sessao,
        valor=pedido.valor,
        descricao=pedido.descricao,
        competencia=pedido.competencia,
        data_servico=pedido.data_servico,
        codigo_municipio_prestacao=pedido.codigo_municipio,
        aliquota_iss=imposto.aliquota,
        iss_retido=imposto.retido,
        tomador_dados={"nome": pedido.nome_tomador} if pedido.nome_tomador else None,  # this note's, not the link's
    )


def _aliquota_do_servico(nota: NFSe) -> Decimal | None:
    """The service's rate for a stored note: the profile's, or on the national emitter the incidence município's
    own when its parameters were read today (perfis.aliquota_vigente is the same rule for a draft)."""
    servico, empresa = nota.servico, nota.empresa
    if servico is None:
        return None
    if nome_do_gateway(nota) is not NomeGateway.NACIONAL or empresa.regime is Regime.MEI:
        return servico.aliquota_iss
    devido = incidencia.da_nota(nota, nota.tomador.codigo_municipio if nota.tomador is not None else None)
    return convenios.aliquota_vigente(servico.aliquota_iss, devido.municipio, servico.codigo_tributacao_nacional)


def _perfil_do_iss(nota: NFSe) -> tuple:
    """What the ISS of a stored note depends on, from the empresa's current profile (iss.calcular's arguments)."""
    empresa, aliquota = nota.empresa, _aliquota_do_servico(nota)
    return empresa.regime, aliquota, empresa.aliquota_simples_iss, nota.iss_retido, nota.valor, empresa.apuracao_simples


def iss_atual(nota: NFSe) -> iss.ISS:
    """The note's ISS from the empresa's current profile (raises iss.AliquotaSimplesFaltando)."""
    return iss.calcular(*_perfil_do_iss(nota))


class NotaNaoCorrigivel(ValueError):
    """Only a note the gateway does not hold (pendente, erro, rejeitada) may be corrected."""


def corrigir(nota: NFSe, nome_tomador: str | None = None) -> None:
    """Settle an admin's correction of a note before it is sent again: the month of service, the place of
    service (the empresa's city by default), the tomador's name on this note (blank: the registry's or the
    link's) and the ISS decided from the empresa's current profile."""
    if nota.status not in CORRIGIVEIS:
        raise NotaNaoCorrigivel("Só dá para corrigir notas pendentes, com erro ou rejeitadas (antes de reemitir).")
    nome = " ".join((nome_tomador or "").split())[:200] or None
    valores = {
        "competencia": nota.competencia.replace(day=1),
        "codigo_municipio_prestacao": (nota.codigo_municipio_prestacao or "").strip() or nota.empresa.codigo_municipio,
    }
    if nome != (nota.tomador_dados or {}).get("nome"):
        valores["tomador_dados"] = {"nome": nome} if nome else None
    imposto = tributacao(*_perfil_do_iss(nota))
    registro.corrigir(nota, **valores, aliquota_iss=imposto.aliquota, iss_retido=imposto.retido)
