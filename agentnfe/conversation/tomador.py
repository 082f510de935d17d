"""What the conversation knows of a tomador before the espelho: the registry (or the lookup's cache) and the
empresa's own link to it (the name it gave, the ISS override)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from agentnfe.cadastros.perfis import PerfilEmpresa, PerfilServico
from agentnfe.infra.extensions import db

from ..fiscal import incidencia
from ..integrations import brasilapi
from ..models import ClienteTomador, EmpresaClienteTomador


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
    endereco_completo: bool = False
    """The registry, the firm's link or the CNPJ lookup has the whole address a national note may need."""

    def iss_retido(self, servico: PerfilServico, empresa: PerfilEmpresa) -> bool:
        """The empresa's per-tomador override wins over the service's default; a MEI never withholds."""
        if empresa.mei:
            return False
        return servico.iss_retido if self.retido_override is None else self.retido_override


def conhecer(empresa_id: int, documento: str) -> TomadorConhecido:
    """What is known of the tomador of this document (a cache read, never a lookup)."""
    campos = ("logradouro", "numero", "bairro", "cep", "codigo_municipio")
    linha = db.session.execute(
        sa.select(
            ClienteTomador.razao_social,
            ClienteTomador.situacao_cadastral,
            EmpresaClienteTomador.nome,
            EmpresaClienteTomador.iss_retido,
            sa.func.coalesce(EmpresaClienteTomador.codigo_municipio, ClienteTomador.codigo_municipio),
            sa.and_(*(getattr(ClienteTomador, c).is_not(None) for c in campos)),
            sa.and_(*(getattr(EmpresaClienteTomador, c).is_not(None) for c in campos)),
        )
        .outerjoin(
            EmpresaClienteTomador,
            sa.and_(
                EmpresaClienteTomador.tomador_id == ClienteTomador.id, EmpresaClienteTomador.empresa_id == empresa_id
            ),
        )
        .where(ClienteTomador.documento == documento)
    ).first()
    conhecido = TomadorConhecido(None, None, None, None)
    if linha:
        conhecido = TomadorConhecido(*linha[:5], endereco_completo=bool(linha[5]) or bool(linha[6]))
    if (conhecido.razao_social is None or not conhecido.endereco_completo) and len(documento) == 14:
        consulta = brasilapi.em_cache(documento)
        if consulta is not None:
            conhecido.razao_social = conhecido.razao_social or consulta.razao_social
            conhecido.situacao_cadastral = conhecido.situacao_cadastral or consulta.situacao_cadastral
            conhecido.codigo_municipio = conhecido.codigo_municipio or consulta.codigo_municipio_ibge
            lidos = (
                consulta.logradouro,
                consulta.numero,
                consulta.bairro,
                consulta.cep,
                consulta.codigo_municipio_ibge,
            )
            conhecido.endereco_completo = conhecido.endereco_completo or all(lidos)
    return conhecido


def incidencia_do_rascunho(
    empresa: PerfilEmpresa, servico: PerfilServico, conhecido: TomadorConhecido, endereco: dict | None
) -> incidencia.Incidencia:
    """Where a draft's ISS is due (LC 116 art. 3º): the place of service is the empresa's município; the tomador's
    is the address given with this note (conversation/endereco.py), else the one known."""
    tomador = (endereco or {}).get("codigo_municipio") or conhecido.codigo_municipio
    return incidencia.do_servico(
        servico.codigo_tributacao_nacional, servico.codigo_servico, empresa.codigo_municipio,
        empresa.codigo_municipio, tomador,
    )  # fmt: skip
