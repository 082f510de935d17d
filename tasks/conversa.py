"""Tasks of the conversation: process stored messages, then hand on what the run produced."""

from __future__ import annotations

import sqlalchemy as sa

from agentnfe.conversation import engine
from agentnfe.infra import logs
from agentnfe.infra.extensions import db, huey
from agentnfe.infra.queue import in_app_context
from agentnfe.models import Mensagem, Sessao

from .emissao import cancel_nfse, emit_nfse
from .entrega import send_reply


@huey.task(retries=3, retry_delay=5)
@in_app_context
def process_message(mensagem_id: int) -> None:
    """Answer the phone's unprocessed messages (this one and any earlier), in order."""
    with logs.mensagem(mensagem_id):
        canal = db.session.execute(
            sa.select(Sessao.telefone, Sessao.usuario_id)
            .join(Mensagem, Mensagem.sessao_id == Sessao.id)
            .where(Mensagem.id == mensagem_id)
        ).first()
        if canal is not None:
            despachar(engine.processar_telefone(canal.telefone, usuario_id=canal.usuario_id))


def despachar(resultado: engine.Resultado) -> None:
    """Enqueue what a committed processing run produced: replies to deliver and notes to emit."""
    for mensagem_id in resultado.entregar:
        send_reply(mensagem_id)
    for nfse_id in resultado.notas:
        emit_nfse(nfse_id, mensagem=logs.mensagem_atual())
    for nfse_id, codigo, motivo in resultado.cancelar:
        cancel_nfse(nfse_id, codigo, motivo, "whatsapp")
