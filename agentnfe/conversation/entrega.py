"""Delivery of stored replies: read the row, call the provider outside any transaction, then one UPDATE of its
status (conditional on it still being pending)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..emission import links, pdfs
from ..extensions import db
from ..integrations import whatsapp
from ..models import Direcao, Envio, Mensagem, NFSe, Sessao, TipoMensagem
from ..queue import TentarDeNovo

log = logging.getLogger(__name__)


def entregar(mensagem_id: int, ultima_tentativa: bool) -> Envio | None:
    """Send a pending reply; returns its final status, or None while it stays pending.

    Temporary failures raise TentarDeNovo unless this is the last attempt, which marks the row `falhou`.
    A provider that is not configured leaves the reply stored and pending.
    """
    saida = db.session.execute(
        sa.select(
            Mensagem.direcao,
            Mensagem.envio,
            Mensagem.provider,
            Mensagem.instance,
            Mensagem.tipo,
            Mensagem.texto,
            Sessao.telefone,
            NFSe.id_integracao,
        )
        .join(Sessao, Mensagem.sessao_id == Sessao.id)
        .outerjoin(NFSe, Mensagem.nfse_id == NFSe.id)
        .where(Mensagem.id == mensagem_id)
    ).first()
    db.session.rollback()  # no transaction stays open during the provider's call
    if saida is None or saida.direcao is not Direcao.SAIDA or saida.envio is not Envio.PENDENTE:
        return saida.envio if saida else None
    if not whatsapp.configurado(saida.provider):
        log.info("reply %s kept pending: provider %s is not configured", mensagem_id, saida.provider.value)
        return None
    try:
        if saida.tipo is TipoMensagem.DOCUMENTO:
            provider_id = _enviar_pdf(saida)
        else:
            provider_id = whatsapp.enviar_texto(saida.provider, saida.instance, saida.telefone, saida.texto or "")
    except whatsapp.EntregaFalhou as erro:
        if erro.temporaria and not ultima_tentativa:
            log.warning("reply %s not delivered yet (%s); will retry", mensagem_id, erro)
            raise TentarDeNovo(str(erro)) from None
        log.error("reply %s to phone …%s failed: %s", mensagem_id, saida.telefone[-4:], erro)
        return _marcar(mensagem_id, Envio.FALHOU)
    return _marcar(mensagem_id, Envio.ENVIADA, provider_id)


def _marcar(mensagem_id: int, envio: Envio, provider_id: str | None = None) -> Envio:
    db.session.execute(
        sa.update(Mensagem)
        .where(Mensagem.id == mensagem_id, Mensagem.envio == Envio.PENDENTE)
        .values(envio=envio, provider_id=provider_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return envio


def _enviar_pdf(saida) -> str | None:
    """A note's PDF as a WhatsApp document, captioned with the note's signed link (the message text)."""
    if saida.id_integracao is None:
        raise whatsapp.EntregaFalhou("document message without a note", temporaria=False)
    if not pdfs.guardar_por_integracao(saida.id_integracao):
        raise whatsapp.EntregaFalhou("the note's PDF is not available yet", temporaria=True)
    pdf = links.caminho_pdf(saida.id_integracao).read_bytes()
    nome = f"NFS-e {saida.id_integracao}.pdf"
    return whatsapp.enviar_documento(saida.provider, saida.instance, saida.telefone, pdf, nome, saida.texto or "")
