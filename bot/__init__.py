"""The `bot` blueprint: WhatsApp and gateway webhooks, /send/, /healthz and note links."""

from .routes import bp  # noqa: F401
