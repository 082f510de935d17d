"""Signed, expiring links to a note's PDF (`{PUBLIC_URL}/n/<token>`), and the stored PDF files."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VALIDADE = 30 * 24 * 3600
_SALT = "agentnfe.nfse-pdf"


class LinkInvalido(Exception):
    """Tampered or unknown token."""


class LinkExpirado(LinkInvalido):
    """Valid token older than 30 days."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def link_pdf(id_integracao: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/n/{_serializer().dumps(id_integracao)}"


def ler_token(token: str) -> str:
    """The integration id a token points at; raises LinkExpirado or LinkInvalido."""
    try:
        return _serializer().loads(token, max_age=VALIDADE)
    except SignatureExpired:
        raise LinkExpirado from None
    except BadSignature:
        raise LinkInvalido from None


def caminho_pdf(id_integracao: str) -> Path:
    pasta = Path(current_app.config["DATA_DIR"]) / "pdfs"
    pasta.mkdir(parents=True, exist_ok=True)
    return pasta / f"{id_integracao}.pdf"


def guardar_pdf(id_integracao: str, conteudo: bytes) -> Path:
    destino = caminho_pdf(id_integracao)
    temporario = destino.with_suffix(".tmp")
    temporario.write_bytes(conteudo)
    temporario.replace(destino)
    return destino
