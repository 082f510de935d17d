"""The convênio of each national empresa's município and the rates of its services there, read with its own
certificate outside any transaction and kept for the day (agentnfe/cadastros/convenios.py: the espelho shows the município's
rate); an empresa issuing nationally where the convênio is not active is told to its firm. MEIs are exempt: the rules let them issue nationally in any município (E0037/E0038)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao

from ..fiscal import nome_municipio
from ..models import Certificado, Empresa, NomeGateway, Regime
from .avisos import notificar
from .gateways import GatewayInacessivel, GatewayIndisponivel, gateway_nacional

log = logging.getLogger(__name__)


def empresas_a_conferir(padrao_nacional: bool) -> list[int]:
    """One active empresa per município among those issuing nationally that have a certificate (one read a day
    serves every empresa of the município)."""
    nacional = Empresa.gateway == NomeGateway.NACIONAL
    if padrao_nacional:
        nacional = sa.or_(nacional, Empresa.gateway.is_(None))
    com_certificado = sa.exists().where(Certificado.empresa_id == Empresa.id)
    consulta = (
        sa.select(sa.func.min(Empresa.id))
        .where(Empresa.ativa, nacional, com_certificado)
        .group_by(Empresa.codigo_municipio)
    )
    ids = list(db.session.scalars(consulta))
    db.session.rollback()
    return ids


def conferir(empresa_id: int) -> None:
    """Read the convênio of the empresa's município; file a notice when it issues nationally without one."""
    empresa = db.session.get(Empresa, empresa_id)
    if empresa is None:
        db.session.rollback()
        return
    municipio, firma, nome = empresa.codigo_municipio, empresa.contabilidade_id, str(empresa)
    codigos = sorted({s.codigo_tributacao_nacional for s in empresa.servicos if s.codigo_tributacao_nacional})
    avisar = empresa.gateway is NomeGateway.NACIONAL and empresa.regime is not Regime.MEI
    gateway = gateway_nacional(empresa_id)
    sem_transacao()  # nothing is held while the national system is asked
    if gateway.credencial is None:
        return
    try:
        convenio = gateway.parametros.convenio(municipio)
        for codigo in codigos if convenio is not None and convenio.ativo else ():
            gateway.parametros.aliquota(municipio, codigo, relogio.hoje())  # kept for the day's espelhos
    except (GatewayInacessivel, GatewayIndisponivel) as erro:
        log.warning("parameters of %s not read: %s", municipio, erro)
        return
    if avisar and (convenio is None or not convenio.ativo):
        with transacao():
            notificar(
                firma,
                empresa_id,
                "sem_convenio",
                f"{nome} está no emissor nacional, mas {nome_municipio(municipio) or municipio} não tem convênio ativo com "
                "ele: as notas serão recusadas (E0037/E0038). Volte a empresa para o PlugNotas no cadastro.",
                chave=f"convenio:{empresa_id}:{relogio.hoje().isoformat()}",
            )
