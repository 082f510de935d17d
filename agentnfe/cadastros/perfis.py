"""Who may ask for notes: the empresas (with their service profiles) behind a phone, cached."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from agentnfe.cadastros import convenios
from agentnfe.infra.extensions import cache, db
from agentnfe.models import Empresa, NomeGateway, Regime, ServicoEmpresa, UsuarioEmpresa

log = logging.getLogger(__name__)
GENERATION_KEY = "perfis:geracao"
TTL = 300


@dataclass(frozen=True)
class PerfilServico:
    id: int
    codigo_servico: str
    descricao: str | None
    aliquota_iss: Decimal
    iss_retido: bool
    palavras_chave: tuple[str, ...]
    padrao: bool
    codigo_tributacao_nacional: str | None = None


@dataclass(frozen=True)
class PerfilEmpresa:
    id: int
    contabilidade_id: int
    cnpj: str
    razao_social: str
    nome_fantasia: str | None
    regime: Regime
    servicos: tuple[PerfilServico, ...]
    codigo_municipio: str = ""
    aliquota_simples_iss: Decimal | None = None
    apuracao_simples: int = 1
    nacional: bool = False
    """Its notes go to the national NFS-e (its own gateway, or the system's default): the rules there need the
    tomador's address in more cases (fiscal/regras_nacionais.py, emission/dps.py)."""

    @property
    def nome(self) -> str:
        return self.nome_fantasia or self.razao_social

    @property
    def mei(self) -> bool:
        return self.regime is Regime.MEI


def aliquota_vigente(empresa: PerfilEmpresa, servico: PerfilServico, municipio: str | None) -> Decimal:
    """The ISS rate a note of this service shows: for an empresa on the national emitter, the incidence município's
    own rate when its parameters were read today (Sefin applies it: E0617, E0635), else the profile's."""
    if not empresa.nacional or empresa.mei:
        return servico.aliquota_iss
    return convenios.aliquota_vigente(servico.aliquota_iss, municipio, servico.codigo_tributacao_nacional)


def _palavras(texto: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (texto or "").replace(";", ",").split(",") if p.strip())


def _carregar(telefone: str) -> list[PerfilEmpresa]:
    consulta = (
        sa.select(Empresa)
        .join(UsuarioEmpresa, UsuarioEmpresa.empresa_id == Empresa.id)
        .where(UsuarioEmpresa.telefone == telefone, UsuarioEmpresa.ativo, Empresa.ativa)
        .options(selectinload(Empresa.servicos))
        .order_by(Empresa.razao_social)
    )
    return [perfil(e) for e in db.session.scalars(consulta).unique()]


def perfil(e: Empresa) -> PerfilEmpresa:
    """What issuing a note needs of an empresa and its services (the bot's and the admin's)."""
    return PerfilEmpresa(
        id=e.id,
        contabilidade_id=e.contabilidade_id,
        cnpj=e.cnpj,
        razao_social=e.razao_social,
        nome_fantasia=e.nome_fantasia,
        regime=e.regime,
        codigo_municipio=e.codigo_municipio,
        aliquota_simples_iss=e.aliquota_simples_iss,
        apuracao_simples=e.apuracao_simples or 1,
        nacional=(e.gateway or NomeGateway(current_app.config["NFSE_GATEWAY"])) is NomeGateway.NACIONAL,
        servicos=tuple(
            PerfilServico(
                s.id,
                s.codigo_servico,
                s.descricao,
                s.aliquota_iss,
                s.iss_retido,
                _palavras(s.palavras_chave),
                s.padrao,
                s.codigo_tributacao_nacional,
            )  # fmt: skip
            for s in e.servicos
        ),
    )


def _cache(operacao, *args):
    """Run a cache call; a cache outage only costs a database read."""
    try:
        return operacao(*args)
    except Exception:
        log.warning("cache unavailable for phone profiles", exc_info=True)
        return None


def empresas_do_telefone(telefone: str) -> list[PerfilEmpresa]:
    """Active empresas this phone may issue for; served from the cache, reloaded after any profile change."""
    chave = f"perfis:{_cache(cache.get, GENERATION_KEY) or 0}:{telefone}"
    perfis = _cache(cache.get, chave)
    if perfis is None:
        perfis = _carregar(telefone)
        _cache(cache.set, chave, perfis, TTL)
    return perfis


def invalidar() -> None:
    """Start a new cache generation: every phone's profile is read again from the database."""
    geracao = (_cache(cache.get, GENERATION_KEY) or 0) + 1
    _cache(cache.set, GENERATION_KEY, geracao, 0)


_WATCHED = (Empresa, ServicoEmpresa, UsuarioEmpresa)


@sa.event.listens_for(Session, "after_flush")
def _marcar_alteracao(session: Session, _context) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["perfis_alterados"] = True


@sa.event.listens_for(Session, "after_commit")
def _invalidar_apos_commit(session: Session) -> None:
    if session.info.pop("perfis_alterados", False):
        invalidar()


@sa.event.listens_for(Session, "after_rollback")
def _esquecer(session: Session) -> None:
    session.info.pop("perfis_alterados", None)
