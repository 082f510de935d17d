"""What the conversation knows of a tomador before the espelho: the registry (or the lookup's cache) and the
empresa's own link to it (the name it gave, the ISS override)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..integrations import brasilapi
from ..models import ClienteTomador, EmpresaClienteTomador
from ..perfis import PerfilEmpresa, PerfilServico


@dataclass
class TomadorConhecido:
    razao_social: str | None
    """The registry's name (BrasilAPI, stored or looked up for this conversation)."""
    situacao_cadastral: str | None
    nome_vinculo: str | None
    """The name the firm or its client gave this tomador before."""
    retido_override: bool | None
    codigo_municipio: str | None = None
    """The registry's IBGE code of the tomador's establishment (where the ISS of some services is due)."""

    def iss_retido(self, servico: PerfilServico, empresa: PerfilEmpresa) -> bool:
        """The empresa's per-tomador override wins over the service's default; a MEI never withholds."""
        if empresa.mei:
            return False
        return servico.iss_retido if self.retido_override is None else self.retido_override


def conhecer(empresa_id: int, documento: str) -> TomadorConhecido:
    """What is known of the tomador of this document (a cache read, never a lookup)."""
    linha = db.session.execute(
        sa.select(
            ClienteTomador.razao_social,
            ClienteTomador.situacao_cadastral,
            EmpresaClienteTomador.nome,
            EmpresaClienteTomador.iss_retido,
            ClienteTomador.codigo_municipio,
        )
        .outerjoin(
            EmpresaClienteTomador,
            sa.and_(
                EmpresaClienteTomador.tomador_id == ClienteTomador.id, EmpresaClienteTomador.empresa_id == empresa_id
            ),
        )
        .where(ClienteTomador.documento == documento)
    ).first()
    conhecido = TomadorConhecido(*linha) if linha else TomadorConhecido(None, None, None, None)
    if conhecido.razao_social is None and len(documento) == 14:
        consulta = brasilapi.em_cache(documento)
        if consulta is not None:
            conhecido.razao_social, conhecido.situacao_cadastral = consulta.razao_social, consulta.situacao_cadastral
    return conhecido
