"""WhatsApp providers: parsing inbound webhooks and sending text (Evolution API v2 and Meta Cloud API)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from flask import Flask, current_app

from ..fiscal import TelefoneInvalido, normalizar_telefone
from ..models import Provider, TipoMensagem
from . import entrada
from .entrada import Entrada
from .http import guardar_cliente, novo_cliente

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
    """Read an Evolution API v2 webhook body into an Entrada, or raise Ignorado / EventoInvalido / EntradaInvalida."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise EventoInvalido("corpo sem o campo event")
    if body["event"].lower().replace("_", ".") != "messages.upsert":
        raise Ignorado(f"event {body['event'][:40]}")
    data = body.get("data")
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, dict) or not isinstance(key.get("id"), str) or not key["id"]:
        raise EventoInvalido("messages.upsert sem data.key.id")
    if key.get("fromMe") is True:
        raise Ignorado("message sent by the instance itself")
    jid = _texto(key.get("remoteJid"), "data.key.remoteJid")
    if jid.endswith(("@g.us", "@broadcast", "@newsletter")):
        raise Ignorado("group, broadcast or channel message")
    if jid.endswith("@lid"):
        if not key.get("remoteJidAlt"):
            log.info("Evolution message %s from a privacy id without remoteJidAlt: ignored", key["id"][:64])
            raise Ignorado("privacy id without phone number")
        jid = _texto(key["remoteJidAlt"], "data.key.remoteJidAlt")
    if not jid:
        raise EventoInvalido("messages.upsert sem data.key.remoteJid")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    tipo_bruto = data.get("messageType")
    if not isinstance(tipo_bruto, str) or not tipo_bruto:  # read the type from the message itself
        tipo_bruto = next(iter(message), "")
    tipo = _EVOLUTION_TYPES.get(tipo_bruto, TipoMensagem.OUTRO)
    texto = message.get("conversation")
    if not isinstance(texto, str) or not texto:
        estendida = message.get("extendedTextMessage")
        texto = estendida.get("text") if isinstance(estendida, dict) else None
    if tipo is TipoMensagem.TEXTO and not (isinstance(texto, str) and texto):
        tipo = TipoMensagem.OUTRO
    return Entrada(
        provider=Provider.EVOLUTION,
        instance=_texto(body.get("instance"), "instance"),
        provider_id=key["id"],
        telefone=_telefone(jid),
        tipo=tipo,
        texto=texto if tipo is TipoMensagem.TEXTO else None,
    )


def _texto(valor, campo: str) -> str:
    """A field that must be text when present."""
    if valor is None:
        return ""
    if not isinstance(valor, str):
        raise EventoInvalido(f"{campo} precisa ser texto")
    return valor


def _lista_de_objetos(valor, campo: str) -> list[dict]:
    if valor is None:
        return []
    if not isinstance(valor, list) or not all(isinstance(item, dict) for item in valor):
        raise EventoInvalido(f"{campo} precisa ser uma lista de objetos")
    return valor


def assinatura_meta_valida(corpo: bytes, cabecalho: str | None, segredo: str | None) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) in constant time."""
    if not segredo or not cabecalho or not cabecalho.startswith("sha256="):
        return False
    esperado = hmac.new(segredo.encode(), corpo, hashlib.sha256).hexdigest()
    return hmac.compare_digest(esperado, cabecalho.removeprefix("sha256="))


def parse_meta(body) -> list[Entrada]:
    """Every message of a Cloud API webhook body; statuses and other fields are skipped, wrong shapes refused."""
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise EventoInvalido("corpo sem entry")
    entradas = []
    for entry in _lista_de_objetos(body["entry"], "entry"):
        for change in _lista_de_objetos(entry.get("changes"), "entry.changes"):
            value = change.get("value")
            if value is None:
                continue
            if not isinstance(value, dict):
                raise EventoInvalido("changes.value precisa ser um objeto")
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            instance = _texto(metadata.get("phone_number_id"), "metadata.phone_number_id")
            for message in _lista_de_objetos(value.get("messages"), "value.messages"):
                entradas.extend(_mensagem_meta(message, instance))
    return entradas


def _mensagem_meta(message: dict, instance: str) -> list[Entrada]:
    ident, remetente = message.get("id"), message.get("from")
    if not isinstance(ident, str) or not ident or not isinstance(remetente, str | int) or not remetente:
        raise EventoInvalido("mensagem sem id ou remetente")
    tipo_bruto = message.get("type")
    tipo = _META_TYPES.get(tipo_bruto, TipoMensagem.OUTRO) if isinstance(tipo_bruto, str) else TipoMensagem.OUTRO
    texto = None
    if tipo is TipoMensagem.TEXTO:
        corpo = message.get("text")
        texto = corpo.get("body") if isinstance(corpo, dict) else None
        if not isinstance(texto, str) or not texto:
            tipo, texto = TipoMensagem.OUTRO, None
    try:
        telefone = _telefone(str(remetente))
    except Ignorado:
        return []
    return [Entrada(Provider.META, instance, ident, telefone, tipo, texto)]


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
            "evolution", config["EVOLUTION_API_URL"], {"apikey": config["EVOLUTION_API_KEY"]}, config["HTTP_TIMEOUT"]
        )
    else:
        log.info("EVOLUTION_API_URL/EVOLUTION_API_KEY not set: Evolution replies are stored, not sent")
    meta = None
    if config["META_ACCESS_TOKEN"]:
        token = {"Authorization": f"Bearer {config['META_ACCESS_TOKEN']}"}
        meta = novo_cliente("meta", config["META_API_URL"], token, config["HTTP_TIMEOUT"])
    guardar_cliente(app, EXTENSION_KEY, Canais(evolution, meta))


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


def _segmento(nome: str) -> str:
    """A URL path segment built from stored input: a plain identifier, percent-encoded all the same."""
    try:
        entrada.instancia(nome)
    except entrada.EntradaInvalida:
        raise EntregaFalhou(f"refusing to call the provider with instance {nome[:40]!r}", temporaria=False) from None
    return quote(nome, safe="")


def configurado(provider: Provider) -> bool:
    todos = canais()
    return (todos.evolution if provider is Provider.EVOLUTION else todos.meta) is not None


def _via_evolution(instance: str, rota: str, corpo: dict) -> str | None:
    """POST to Evolution through the message's instance (or EVOLUTION_INSTANCE); returns the new message id."""
    instancia = instance or current_app.config["EVOLUTION_INSTANCE"]
    if not instancia:
        raise EntregaFalhou("no Evolution instance for this message and EVOLUTION_INSTANCE is not set", False)
    resposta = _post(canais().evolution, f"/message/{rota}/{_segmento(instancia)}", corpo)
    chave = resposta.get("key") if isinstance(resposta, dict) else None
    return entrada.identificador(chave.get("id") if isinstance(chave, dict) else None)


def _via_meta(instance: str, numero: str, conteudo: dict) -> str | None:
    """POST a Cloud API message from the conversation's phone number id; returns the new message id."""
    origem = instance or current_app.config["META_PHONE_NUMBER_ID"]
    resposta = _post(
        canais().meta,
        f"/v21.0/{_segmento(origem or '')}/messages",
        {"messaging_product": "whatsapp", "to": numero, **conteudo},
    )
    mensagens = resposta.get("messages") if isinstance(resposta, dict) else None
    primeira = mensagens[0] if isinstance(mensagens, list) and mensagens else None
    return entrada.identificador(primeira.get("id") if isinstance(primeira, dict) else None)


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
