"""HTTP endpoints of the bot blueprint: validate, store, enqueue. No LLM, emission or outbound HTTP here."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request, send_file
from limits import parse as parse_limit
from sqlalchemy.exc import SQLAlchemyError

from agentnfe.conversation import engine
from agentnfe.conversation.api import conversar
from agentnfe.conversation.entrada import guardar
from agentnfe.emission import links, pdfs
from agentnfe.fiscal import TelefoneInvalido, normalizar_telefone
from agentnfe.infra import health, logs, metricas, queue
from agentnfe.infra.extensions import cache, db, limiter
from agentnfe.infra.requisicao import json_do_corpo, sem_espaco
from agentnfe.integrations import whatsapp
from agentnfe.integrations.entrada import Entrada, EntradaInvalida, identificador
from agentnfe.models import NFSe, StatusNFSe
from tasks.conversa import despachar, process_message
from tasks.emissao import poll_nfse
from tasks.entrega import send_reply

bp = Blueprint("bot", __name__)

log = logging.getLogger(__name__)


def _erro(mensagem: str, status: int):
    return jsonify({"error": mensagem}), status


def _status(status: str):
    return jsonify({"status": status}), 200


def _segredo_confere(recebido: str | None, esperado: str | None) -> bool:
    """Constant-time comparison; an unset secret refuses everything."""
    return bool(esperado) and bool(recebido) and hmac.compare_digest(recebido.encode(), esperado.encode())


def _dentro_do_limite(telefone: str) -> bool:
    """Per-phone throttle that answers 200 (so the provider does not retry) and tells the user once a minute."""
    try:
        permitido = limiter.limiter.hit(parse_limit(current_app.config["WEBHOOK_PHONE_LIMIT"]), "whatsapp", telefone)
    except Exception:
        log.warning("rate-limit storage unavailable; phone throttle skipped", exc_info=True)
        return True
    if not permitido:
        log.warning("phone …%s over %s: message dropped", telefone[-4:], current_app.config["WEBHOOK_PHONE_LIMIT"])
        try:
            if cache.add(f"aviso-limite:{telefone}", True, timeout=60):
                aviso_id = engine.aviso_de_limite(telefone)
                if aviso_id:
                    send_reply(aviso_id)
        except Exception:
            log.warning("could not queue the throttle notice", exc_info=True)
    return permitido


def _receber(entrada: Entrada) -> str | tuple:
    """Store then enqueue one inbound message; returns its status or a 503 response."""
    resultado = _guardar_e_enfileirar(entrada)
    metricas.mensagem("entrada", resultado if isinstance(resultado, str) else "unavailable")
    return resultado


def _guardar_e_enfileirar(entrada: Entrada) -> str | tuple:
    if not _dentro_do_limite(entrada.telefone):
        return "throttled"
    try:
        mensagem_id = guardar(entrada)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not store inbound %s message %s", entrada.provider.value, entrada.provider_id)
        return _erro("não foi possível guardar a mensagem; tente novamente", 503)
    if mensagem_id is None:
        return "duplicate"
    try:
        with logs.mensagem(mensagem_id):
            process_message(mensagem_id)
    except Exception:
        log.exception("could not queue message %s; the sweeper will pick it up", mensagem_id)
        return _erro("fila indisponível; a mensagem foi guardada e será processada", 503)
    return "queued"


MEDIDOS = {
    "bot.webhook_evolution",
    "bot.webhook_meta",
    "bot.webhook_meta_verificar",
    "bot.webhook_plugnotas",
    "bot.send",
}


@bp.before_request
def _inicio() -> None:
    g.inicio_bot = time.perf_counter()


@bp.after_request
def _medir(resposta):
    """Latency of every webhook and /send/ answer, by endpoint and status code."""
    if request.endpoint in MEDIDOS and "inicio_bot" in g:
        metricas.webhook(
            request.endpoint.removeprefix("bot."), resposta.status_code, time.perf_counter() - g.inicio_bot
        )
    return resposta


@bp.post("/webhook/evolution")
@limiter.exempt
def webhook_evolution():
    if not _segredo_confere(request.headers.get("X-Webhook-Token"), current_app.config["WEBHOOK_TOKEN"]):
        return _erro("unauthorized", 401)
    try:
        entrada = whatsapp.parse_evolution(json_do_corpo())
    except (whatsapp.EventoInvalido, EntradaInvalida) as erro:
        return _erro(str(erro), 400)
    except whatsapp.Ignorado:
        return _status("ignored")
    resultado = _receber(entrada)
    return _status(resultado) if isinstance(resultado, str) else resultado


@bp.get("/webhook/meta")
@limiter.exempt
def webhook_meta_verificar():
    token = request.args.get("hub.verify_token")
    if request.args.get("hub.mode") == "subscribe" and _segredo_confere(token, current_app.config["META_VERIFY_TOKEN"]):
        return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    return "forbidden", 403


@bp.post("/webhook/meta")
@limiter.exempt
def webhook_meta():
    corpo = request.get_data(cache=True)
    assinatura = request.headers.get("X-Hub-Signature-256")
    if not whatsapp.assinatura_meta_valida(corpo, assinatura, current_app.config["META_APP_SECRET"]):
        return _erro("unauthorized", 401)
    try:
        entradas = whatsapp.parse_meta(json_do_corpo())
    except (whatsapp.EventoInvalido, EntradaInvalida) as erro:
        return _erro(str(erro), 400)
    if not entradas:
        return _status("ignored")
    estados = []
    for entrada in entradas:
        resultado = _receber(entrada)
        if not isinstance(resultado, str):
            return resultado
        estados.append(resultado)
    return _status("queued" if "queued" in estados else estados[0])


def _bearer() -> str | None:
    cabecalho = request.headers.get("Authorization", "")
    return cabecalho.removeprefix("Bearer ").strip() if cabecalho.startswith("Bearer ") else None


def _chave_telefone() -> str:
    corpo = json_do_corpo()
    if not isinstance(corpo, dict):
        return "fone:invalido"
    try:
        return "fone:" + normalizar_telefone(str(corpo.get("telefone") or ""))
    except TelefoneInvalido:
        return "fone:invalido"


def _chave_token() -> str:
    return "token:" + (_bearer() or "-")[-8:]


def _autenticado() -> bool:
    return _segredo_confere(_bearer(), current_app.config["API_TOKEN"])


def _anonimo() -> bool:
    return not _autenticado()


@bp.post("/send/")
@limiter.limit("600/minute", key_func=_chave_token, exempt_when=_anonimo)
@limiter.limit("30/minute", key_func=_chave_telefone, exempt_when=_anonimo)
@limiter.limit("60/minute", exempt_when=_autenticado)
def send():
    """Run the engine in the request for integrations; limits count only authenticated calls (per token and
    phone), and unauthenticated ones per client address, so strangers cannot spend the real token's limit."""
    if not _autenticado():
        return _erro("unauthorized", 401)
    corpo = json_do_corpo()
    if (
        not isinstance(corpo, dict)
        or not isinstance(corpo.get("telefone"), str)
        or not isinstance(corpo.get("mensagem"), str)
    ):
        return _erro('envie JSON {"telefone": "...", "mensagem": "..."}', 400)
    if not corpo["mensagem"].strip():
        return _erro("a mensagem está vazia", 400)
    try:
        telefone = normalizar_telefone(corpo["telefone"])
    except TelefoneInvalido as erro:
        return _erro(str(erro), 400)
    resultado = conversar(telefone, corpo["mensagem"])
    metricas.mensagem("entrada", "api")
    despachar(resultado)
    return jsonify(
        {"resposta": "\n\n".join(resultado.textos), "estado": resultado.estado.value if resultado.estado else None}
    )


@bp.errorhandler(429)
def limite_excedido(erro):
    return _erro(f"muitas requisições ({erro.description}); tente novamente em instantes", 429)


@bp.errorhandler(sa.exc.OperationalError)
def banco_indisponivel(erro):
    """Disk full, read-only or unreachable database: 503, so a provider or an integration tries again later."""
    log.error("storage unavailable for %s %s: %s", request.method, request.path, erro)
    db.session.rollback()
    return _erro("serviço indisponível no momento; tente novamente em instantes", 503)


@bp.errorhandler(OSError)
def disco_indisponivel(erro: OSError):
    if not sem_espaco(erro):
        raise erro
    return banco_indisponivel(erro)


@bp.errorhandler(413)
def corpo_grande_demais(_erro_http):
    return _erro(f"corpo da requisição maior que {current_app.config['MAX_BODY_KB']} KB", 413)


def _cliente_de_operacao() -> bool:
    """The operator's monitoring: with METRICS_TOKEN, its Bearer; without, only a direct local client (nothing
    forwarded by a proxy)."""
    token = current_app.config["METRICS_TOKEN"]
    if token:
        return _segredo_confere(_bearer(), token)
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/healthz")
@limiter.limit("60/minute", exempt_when=_cliente_de_operacao)
def healthz():
    """Write probes for the operator's monitoring (local or Bearer METRICS_TOKEN); read-only for anyone else."""
    body, code = health.report(escrita=_cliente_de_operacao())
    return jsonify(body), code


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not _cliente_de_operacao():
        if current_app.config["METRICS_TOKEN"]:
            return _erro("unauthorized", 401)
        return _erro("/metrics answers only local clients, or a Bearer METRICS_TOKEN when it is set", 403)
    texto, tipo = metricas.exposicao(queue.medidas())
    return texto, 200, {"Content-Type": tipo}


@bp.post("/webhook/plugnotas")
@limiter.exempt
def webhook_plugnotas():
    """A status callback is only a hint: the note is re-read from the gateway by a task before anything changes."""
    if not _segredo_confere(request.headers.get("X-Webhook-Token"), current_app.config["PLUGNOTAS_WEBHOOK_TOKEN"]):
        return _erro("unauthorized", 401)
    corpo = json_do_corpo()
    if isinstance(corpo, list) and corpo:
        corpo = corpo[0]
    gateway_id = identificador(corpo.get("id"), 100) if isinstance(corpo, dict) else None
    id_integracao = identificador(corpo.get("idIntegracao"), 64) if isinstance(corpo, dict) else None
    if gateway_id is None and id_integracao is None:
        return _erro("corpo sem id nem idIntegracao válidos", 400)
    nota_id = db.session.scalar(
        sa.select(NFSe.id).where(
            sa.or_(NFSe.gateway_id == (gateway_id or "-"), NFSe.id_integracao == (id_integracao or "-"))
        )
    )
    if nota_id is None:
        log.info("PlugNotas callback for an unknown note %s/%s", gateway_id, id_integracao)
        return _status("ignored")
    try:
        poll_nfse(nota_id, 0, False)
    except Exception:
        log.exception("could not queue the status check of note %s", nota_id)
        return _erro("fila indisponível", 503)
    return _status("queued")


@bp.get("/n/<token>")
@limiter.limit("60/minute")
def pdf_da_nota(token: str):
    """The PDF of an authorized note, behind a signed link that expires after 30 days (no login)."""
    try:
        id_integracao = links.ler_token(token)
    except links.LinkExpirado:
        return "Este link expirou. Peça a nota à sua contabilidade.", 410, {"Content-Type": "text/plain; charset=utf-8"}
    except links.LinkInvalido:
        return "Link inválido.", 404, {"Content-Type": "text/plain; charset=utf-8"}
    nota = db.session.execute(
        sa.select(NFSe.id, NFSe.numero, NFSe.status).where(NFSe.id_integracao == id_integracao)
    ).first()
    if nota is None or nota.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA):
        return "Nota não encontrada.", 404, {"Content-Type": "text/plain; charset=utf-8"}
    if not links.caminho_pdf(id_integracao).exists() and not pdfs.guardar(nota.id):
        return (
            "O PDF ainda não está disponível. Tente de novo em alguns minutos.",
            503,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    nome = f"NFS-e {nota.numero or nota.id}.pdf"
    return send_file(links.caminho_pdf(id_integracao), mimetype="application/pdf", download_name=nome)
