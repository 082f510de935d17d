"""Delivery of stored replies: one UPDATE of the outbound row's status per message."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..integrations import whatsapp
from ..models import Direcao, Envio, Mensagem, TipoMensagem
from ..queue import TentarDeNovo

log = logging.getLogger(__name__)


def entregar(mensagem_id: int, ultima_tentativa: bool) -> Envio | None:
    """Send a pending reply; returns its final status, or None while it stays pending.

    Temporary failures raise TentarDeNovo unless this is the last attempt, which marks the row `falhou`.
    A provider that is not configured leaves the reply stored and pending.
    """
    mensagem = db.session.scalar(
        sa.select(Mensagem).options(joinedload(Mensagem.sessao)).where(Mensagem.id == mensagem_id)
    )
    if mensagem is None or mensagem.direcao is not Direcao.SAIDA or mensagem.envio is not Envio.PENDENTE:
        return mensagem.envio if mensagem else None
    if not whatsapp.configurado(mensagem.provider):
        log.info("reply %s kept pending: provider %s is not configured", mensagem_id, mensagem.provider.value)
        return None
    try:
        if mensagem.tipo is TipoMensagem.DOCUMENTO:
            provider_id = _enviar_pdf(mensagem)
        else:
            provider_id = whatsapp.enviar_texto(
                mensagem.provider, mensagem.instance, mensagem.sessao.telefone, mensagem.texto or ""
            )
    except whatsapp.EntregaFalhou as erro:
        if erro.temporaria and not ultima_tentativa:
            log.warning("reply %s not delivered yet (%s); will retry", mensagem_id, erro)
            db.session.rollback()
            raise TentarDeNovo(str(erro)) from None
        log.error("reply %s to phone …%s failed: %s", mensagem_id, mensagem.sessao.telefone[-4:], erro)
        mensagem.envio = Envio.FALHOU
        db.session.commit()
        return Envio.FALHOU
    mensagem.envio = Envio.ENVIADA
    mensagem.provider_id = provider_id
    db.session.commit()
    return Envio.ENVIADA


def _enviar_pdf(mensagem: Mensagem) -> str | None:
    """A note's PDF as a WhatsApp document; the message text is the note's signed link."""
    from ..emission import links
    from ..emission.service import guardar_pdf_por_integracao

    link = mensagem.texto or ""
    try:
        id_integracao = links.ler_token(link.rsplit("/", 1)[-1])
    except links.LinkInvalido:
        raise whatsapp.EntregaFalhou("document message without a valid note link", temporaria=False) from None
    if not guardar_pdf_por_integracao(id_integracao):
        raise whatsapp.EntregaFalhou("the note's PDF is not available yet", temporaria=True)
    pdf = links.caminho_pdf(id_integracao).read_bytes()
    nome = f"NFS-e {id_integracao}.pdf"
    return whatsapp.enviar_documento(mensagem.provider, mensagem.instance, mensagem.sessao.telefone, pdf, nome, link)
