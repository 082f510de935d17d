"""Emission tasks: send, poll, cancel, keep the PDF, warn about certificates."""

from __future__ import annotations

import logging

from huey import crontab

from agentnfe.cadastros import tomadores
from agentnfe.conversation.engine import avisar_telefones
from agentnfe.emission import acompanhamento, cancelamento, certificados, certificados_aviso, pdfs, replay, service
from agentnfe.emission.registro import Efeitos
from agentnfe.infra import logs
from agentnfe.infra.extensions import huey
from agentnfe.infra.queue import TentarDeNovo, in_app_context
from agentnfe.integrations import brasilapi

from .anuncio import announce_nfse
from .entrega import send_reply

log = logging.getLogger(__name__)


def seguir(efeitos: Efeitos, nfse_id: int, consultas: int = -1, encadear: bool = True, proxima=None) -> None:
    """Keep the PDF, announce the outcome in the conversation and schedule the next poll (`proxima`, the status
    poll by default)."""
    if efeitos.baixar_pdf:
        store_pdf(nfse_id)
    if efeitos.anunciar:
        announce_nfse(nfse_id)
    if efeitos.consultar_em is not None and encadear:
        (proxima or poll_nfse).schedule(args=(nfse_id, consultas + 1), delay=efeitos.consultar_em)


@huey.task(retries=5, retry_delay=30, retry_backoff=2, context=True)
@in_app_context
def emit_nfse(nfse_id: int, mensagem: str | None = None, task=None) -> None:
    """Send a note (idempotent): retried while the gateway is down or another worker holds the note; a failure
    nobody foresaw is retried too, and on the last attempt ends the note in a status the accountant sees.
    `mensagem`: the WhatsApp message that confirmed it, carried into the logs of the gateway call."""
    ultima = task is not None and task.retries == 0
    with logs.mensagem(mensagem or f"nota-{nfse_id}"):
        try:
            efeitos = service.emitir(nfse_id, ultima_tentativa=ultima)
        except Exception:
            log.exception("note %s: emission failed unexpectedly%s", nfse_id, "; giving up" if ultima else "")
            if not ultima:
                raise
            efeitos = service.abandonar(nfse_id)
        seguir(efeitos, nfse_id)
    if efeitos.tentar_de_novo:
        raise TentarDeNovo(f"note {nfse_id} not sent yet")


@huey.task()
@in_app_context
def poll_nfse(nfse_id: int, consultas: int = 0, encadear: bool = True) -> None:
    """Ask the gateway for the note's status on the schedule 5 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min…"""
    seguir(acompanhamento.consultar(nfse_id, consultas), nfse_id, consultas, encadear)


@huey.task(retries=5, retry_delay=60, retry_backoff=2, context=True)
@in_app_context
def cancel_nfse(
    nfse_id: int, codigo: int, motivo: str, origem: str = "whatsapp", usuario_id: int | None = None, task=None
) -> None:
    """Ask the gateway to cancel an authorized note with the code and reason its requester chose."""
    ultima = task is not None and task.retries == 0
    efeitos = cancelamento.solicitar(nfse_id, codigo, motivo, origem, usuario_id, ultima_tentativa=ultima)
    seguir(efeitos, nfse_id, proxima=poll_cancellation)
    if efeitos.tentar_de_novo:
        raise TentarDeNovo(f"cancellation of note {nfse_id} not sent yet")


@huey.task()
@in_app_context
def poll_cancellation(nfse_id: int, consultas: int = 0) -> None:
    """Follow a cancellation on the polling schedule until accepted, refused or 24 h without an answer."""
    seguir(cancelamento.consultar(nfse_id, consultas), nfse_id, consultas, proxima=poll_cancellation)


@huey.task(retries=8, retry_delay=15, retry_backoff=2)
@in_app_context
def store_pdf(nfse_id: int) -> None:
    """Keep the authorized note's PDF; while the gateway is still generating it (202), try again with backoff."""
    if not pdfs.guardar(nfse_id):
        raise TentarDeNovo(f"PDF of note {nfse_id} not available yet")


@huey.task(retries=5, retry_delay=60, retry_backoff=2, context=True)
@in_app_context
def send_certificate(certificado_id: int, task=None) -> None:
    """Upload a certificate stored in the admin and register the empresa at the gateway; failures become notices."""
    if not certificados.enviar_ou_avisar(certificado_id, ultima_tentativa=task is None or task.retries == 0):
        raise TentarDeNovo(f"certificate {certificado_id} not sent to the gateway yet")


@huey.periodic_task(crontab(hour="8", minute="0"))
@in_app_context
def certificate_expiry() -> None:
    """Daily: warn 30, 15 and 7 days before a certificate expires, and when it has expired."""
    for mensagem_id in avisar_telefones(certificados_aviso.avisar_vencimentos()):
        send_reply(mensagem_id)


@huey.task(retries=3, retry_delay=60)
@in_app_context
def replay_nfse(nfse_id: int, origem: str, usuario_id: int | None = None) -> None:
    """The replay rule of the status table for one note (admin bulk action)."""
    seguir(replay.reprocessar(nfse_id, origem, usuario_id), nfse_id)


@huey.task(retries=2, retry_delay=30)
@in_app_context
def lookup_cnpj(cnpj: str) -> None:
    """A CNPJ the admin's Emitir nota does not know yet (BrasilAPI, cached; never inside the request)."""
    try:
        brasilapi.consultar_cnpj(cnpj)
    except brasilapi.ConsultaFalhou as erro:
        raise TentarDeNovo(f"CNPJ lookup failed: {erro}") from None


@huey.task(retries=2, retry_delay=30)
@in_app_context
def lookup_cep(cep: str) -> None:
    """The street of a CEP the admin's Emitir nota was given (BrasilAPI, cached; never inside the request)."""
    try:
        brasilapi.consultar_cep(cep)
    except brasilapi.ConsultaFalhou as erro:
        raise TentarDeNovo(f"CEP lookup failed: {erro}") from None


@huey.task(retries=3, retry_delay=300)
@in_app_context
def refresh_tomador(tomador_id: int) -> None:
    """Look a tomador up again at BrasilAPI (admin action)."""
    if not tomadores.completar(tomador_id, forcar=True):
        raise TentarDeNovo(f"BrasilAPI did not answer for tomador {tomador_id}")
