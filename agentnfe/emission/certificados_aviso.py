"""Certificate expiry warnings: a notice for the accountant and a WhatsApp message to the empresa."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa

from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

from ..models import Certificado, Empresa, UsuarioEmpresa
from . import mensagens
from .avisos import notificar
from .certificados import AVISOS_DIAS

log = logging.getLogger(__name__)


def avisar_vencimentos(hoje: date | None = None) -> list[tuple[str, int, str]]:
    """File each threshold (30, 15, 7 days, expired) once per certificate, as a notice for the accountant;
    returns the (phone, empresa id, text) WhatsApp messages the empresas' phones should get for the new notices.
    The caller commits, with those messages, so a notice is never filed without its messages."""
    hoje = hoje or relogio.hoje()
    ultimo = (
        sa.select(Certificado.empresa_id, sa.func.max(Certificado.valido_ate).label("ate"))
        .group_by(Certificado.empresa_id)
        .subquery()
    )
    linhas = db.session.execute(
        sa.select(Empresa, ultimo.c.ate)
        .join(ultimo, ultimo.c.empresa_id == Empresa.id)
        .where(Empresa.ativa, ultimo.c.ate <= hoje + timedelta(days=max(AVISOS_DIAS)))
    ).all()
    avisos = []
    for empresa, ate in linhas:
        dias = (ate - hoje).days
        if dias < 0:
            marco, texto = "vencido", mensagens.certificado_vencido(empresa.razao_social, f"{ate:%d/%m/%Y}")
        else:
            marco = str(min(d for d in AVISOS_DIAS if d >= dias))
            texto = mensagens.certificado_vencendo(empresa.razao_social, dias, f"{ate:%d/%m/%Y}")
        if not notificar(
            empresa.contabilidade_id, empresa.id, "certificado", texto, f"cert:{empresa.id}:{ate}:{marco}"
        ):
            continue
        log.warning("certificate of empresa %s expires %s (%s)", empresa.cnpj, ate, marco)
        telefones = db.session.scalars(
            sa.select(UsuarioEmpresa.telefone).where(UsuarioEmpresa.empresa_id == empresa.id, UsuarioEmpresa.ativo)
        )
        avisos.extend((telefone, empresa.id, texto) for telefone in telefones)
    return avisos
