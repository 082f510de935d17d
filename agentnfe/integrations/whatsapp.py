"""WhatsApp providers: parsing inbound webhooks and sending text (Evolution API v2 and Meta Cloud API)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

import httpx
from flask import Flask, current_app

from ..fiscal import TelefoneInvalido, normalizar_telefone
from ..models import Provider, TipoMensagem
from .entrada import Entrada
from .http import novo_cliente, registrar

log = logging.getLogger(__name__)
EXTENSION_KEY = "agentnfe.whatsapp"

_EVOLUTION_TYPES = {
    "conversation": TipoMensagem.TEXTO,
    "extendedTextMessage": TipoMensagem.TEXTO,
    "imageMessage": TipoMensagem.IMAGEM,
    "audioMessage": TipoMensagem.AUDIO,
    "pttMessage": TipoMensagem.AUDIO,
    "documentMessage": TipoMensagem.DOCUMENTO,
    "documentWithCaptionMessage": TipoMensagem.DOCUMENTO,
}
_META_TYPES = {
    "text": TipoMensagem.TEXTO,
    "image": TipoMensagem.IMAGEM,
    "audio": TipoMensagem.AUDIO,
    "voice": TipoMensagem.AUDIO,
    "document": TipoMensagem.DOCUMENTO,
}


class EventoInvalido(ValueError):
    """The body is not a valid provider event (answered with 400)."""


class Ignorado(Exception):
    """A valid event that carries no message for the bot (answered with 200 `ignored`)."""


class EntregaFalhou(Exception):
    """Sending failed; `temporaria` failures (timeouts, 429, 5xx) are worth retrying."""

    def __init__(self, motivo: str, temporaria: bool):
        super().__init__(motivo)
        self.temporaria = temporaria


def _telefone(jid: str) -> str:
    try:
        return normalizar_telefone(jid)
    except TelefoneInvalido:
        raise Ignorado(f"sender {jid!r} is not a phone number") from None


def parse_evolution(body) -> Entrada:
    """Read an Evolution API v2 webhook body into an Entrada, or raise Ignorado / EventoInvalido."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise EventoInvalido("corpo sem o campo event")
    if body["event"].lower().replace("_", ".") != "messages.upsert":
        raise Ignorado(f"event {body['event']}")
    data = body.get("data")
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, dict) or not isinstance(key.get("id"), str) or not key["id"]:
        raise EventoInvalido("messages.upsert sem data.key.id")
    if key.get("fromMe"):
        raise Ignorado("message sent by the instance itself")
    jid = str(key.get("remoteJid") or "")
    if jid.endswith("@g.us") or jid.endswith("@broadcast") or jid.endswith("@newsletter"):
        raise Ignorado("group, broadcast or channel message")
    if jid.endswith("@lid"):
        if not key.get("remoteJidAlt"):
            log.info("Evolution message %s from a privacy id without remoteJidAlt: ignored", key["id"])
            raise Ignorado("privacy id without phone number")
        jid = str(key["remoteJidAlt"])
    if not jid:
        raise EventoInvalido("messages.upsert sem data.key.remoteJid")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    tipo_bruto = data.get("messageType") or next(iter(message), "")
    tipo = _EVOLUTION_TYPES.get(tipo_bruto, TipoMensagem.OUTRO)
    texto = message.get("conversation")
    if not texto and isinstance(message.get("extendedTextMessage"), dict):
        texto = message["extendedTextMessage"].get("text")
    if tipo is TipoMensagem.TEXTO and not texto:
        tipo = TipoMensagem.OUTRO
    return Entrada(
        provider=Provider.EVOLUTION,
        instance=str(body.get("instance") or ""),
        provider_id=key["id"],
        telefone=_telefone(jid),
        tipo=tipo,
        texto=texto if tipo is TipoMensagem.TEXTO else None,
    )


def assinatura_meta_valida(corpo: bytes, cabecalho: str | None, segredo: str | None) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) in constant time."""
    if not segredo or not cabecalho or not cabecalho.startswith("sha256="):
        return False
    esperado = hmac.new(segredo.encode(), corpo, hashlib.sha256).hexdigest()
    return hmac.compare_digest(esperado, cabecalho.removeprefix("sha256="))


def parse_meta(body) -> list[Entrada]:
    """Every message of a Cloud API webhook body; statuses and other fields are skipped."""
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise EventoInvalido("corpo sem entry")
    entradas = []
    for entry in body["entry"]:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            instance = str((value.get("metadata") or {}).get("phone_number_id") or "")
            for message in value.get("messages") or []:
                if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
                    raise EventoInvalido("mensagem sem id ou remetente")
                tipo = _META_TYPES.get(message.get("type"), TipoMensagem.OUTRO)
                texto = (message.get("text") or {}).get("body") if tipo is TipoMensagem.TEXTO else None
                try:
                    telefone = _telefone(str(message["from"]))
                except Ignorado:
                    continue
                entradas.append(Entrada(Provider.META, instance, str(message["id"]), telefone, tipo, texto))
    return entradas


@dataclass
class Canais:
    """The outbound clients of this process; None where the provider is not configured."""

    evolution: httpx.Client | None
    meta: httpx.Client | None


def init_app(app: Flask) -> None:
    config = app.config
    evolution = None
    if config["EVOLUTION_API_URL"] and config["EVOLUTION_API_KEY"]:
        evolution = novo_cliente(
            config["EVOLUTION_API_URL"], {"apikey": config["EVOLUTION_API_KEY"]}, config["HTTP_TIMEOUT"]
        )
    else:
        log.info("EVOLUTION_API_URL/EVOLUTION_API_KEY not set: Evolution replies are stored, not sent")
    meta = None
    if config["META_ACCESS_TOKEN"]:
        token = {"Authorization": f"Bearer {config['META_ACCESS_TOKEN']}"}
        meta = novo_cliente(config["META_API_URL"], token, config["HTTP_TIMEOUT"])
    registrar(app, EXTENSION_KEY, Canais(evolution, meta))


def canais() -> Canais:
    return current_app.extensions[EXTENSION_KEY]


def _post(cliente: httpx.Client, caminho: str, corpo: dict) -> dict:
    try:
        resposta = cliente.post(caminho, json=corpo)
    except httpx.TimeoutException as erro:
        raise EntregaFalhou(f"timeout: {erro}", temporaria=True) from None
    except httpx.TransportError as erro:
        raise EntregaFalhou(f"connection error: {erro}", temporaria=True) from None
    if resposta.status_code == 429 or resposta.status_code >= 500:
        raise EntregaFalhou(f"HTTP {resposta.status_code}: {resposta.text[:200]}", temporaria=True)
    if resposta.status_code >= 400:
        raise EntregaFalhou(f"HTTP {resposta.status_code}: {resposta.text[:200]}", temporaria=False)
    try:
        return resposta.json()
    except ValueError:
        return {}


def configurado(provider: Provider) -> bool:
    todos = canais()
    return (todos.evolution if provider is Provider.EVOLUTION else todos.meta) is not None


def _via_evolution(instance: str, rota: str, corpo: dict) -> str | None:
    """POST to Evolution through the message's instance (or EVOLUTION_INSTANCE); returns the new message id."""
    instancia = instance or current_app.config["EVOLUTION_INSTANCE"]
    if not instancia:
        raise EntregaFalhou("no Evolution instance for this message and EVOLUTION_INSTANCE is not set", False)
    resposta = _post(canais().evolution, f"/message/{rota}/{instancia}", corpo)
    return ((resposta.get("key") or {}).get("id")) if isinstance(resposta, dict) else None


def _via_meta(instance: str, numero: str, conteudo: dict) -> str | None:
    """POST a Cloud API message from the conversation's phone number id; returns the new message id."""
    origem = instance or current_app.config["META_PHONE_NUMBER_ID"]
    resposta = _post(
        canais().meta, f"/v21.0/{origem}/messages", {"messaging_product": "whatsapp", "to": numero, **conteudo}
    )
    mensagens = resposta.get("messages") if isinstance(resposta, dict) else None
    return mensagens[0].get("id") if mensagens else None


def enviar_texto(provider: Provider, instance: str, numero: str, texto: str) -> str | None:
    """Send a text through the provider (and instance) a conversation came from; returns its message id."""
    if provider is Provider.EVOLUTION:
        return _via_evolution(instance, "sendText", {"number": numero, "text": texto})
    if provider is Provider.META:
        return _via_meta(instance, numero, {"type": "text", "text": {"body": texto}})
    raise EntregaFalhou(f"provider {provider.value} does not deliver messages", temporaria=False)


def enviar_documento(provider: Provider, instance: str, numero: str, pdf: bytes, nome: str, link: str) -> str | None:
    """Send a PDF as a document: inline (base64) through Evolution, by public https link through Meta."""
    if provider is Provider.EVOLUTION:
        conteudo = base64.b64encode(pdf).decode()
        documento = {
            "number": numero,
            "mediatype": "document",
            "mimetype": "application/pdf",
            "fileName": nome,
            "media": conteudo,
        }
        return _via_evolution(instance, "sendMedia", documento)
    if provider is Provider.META and link.startswith("https://"):
        return _via_meta(instance, numero, {"type": "document", "document": {"link": link, "filename": nome}})
    raise EntregaFalhou(f"{provider.value} cannot receive this document (needs an https PUBLIC_URL)", temporaria=False)
