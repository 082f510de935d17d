"""The `bot` blueprint: WhatsApp and gateway webhooks, /send/, /healthz and note links."""

from flask import Blueprint

bp = Blueprint("bot", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
