"""Logging that never blocks a request and never tells a full CPF or CNPJ.

Records go through a queue to a stderr writer thread, as one JSON object per line (`LOG_FORMAT=json`, the
default in server mode) or readable text (desktop). Every record carries the message it belongs to
(`mensagem`), set by the webhook and by each task, so one WhatsApp message can be followed from the webhook
to its task and to the gateway call it caused. Documents are masked in the final text, tracebacks included.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import logging
import logging.handlers
import queue
import re
import sys
from collections.abc import Iterator

from pythonjsonlogger.json import JsonFormatter

_listener: logging.handlers.QueueListener | None = None
_mensagem: contextvars.ContextVar[str] = contextvars.ContextVar("mensagem", default="-")

_DOCUMENTO = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}"  # CNPJ, numeric or alphanumeric
    r"|\d{3}\.?\d{3}\.?\d{3}-?\d{2})"  # CPF
    r"(?![0-9A-Za-z])"
)


def mascarar(texto: str) -> str:
    """Every CPF or CNPJ in `texto` with only its first two and last two characters left."""

    def _parcial(achado: re.Match) -> str:
        valor = achado.group(0)
        if sum(c.isdigit() for c in valor) < 8:  # words in capitals, not a document
            return valor
        return valor[:2] + re.sub(r"[0-9A-Z]", "*", valor[2:-2]) + valor[-2:]

    return _DOCUMENTO.sub(_parcial, texto)


@contextlib.contextmanager
def mensagem(identificador) -> Iterator[None]:
    """Tag every record written inside the block with the message it belongs to."""
    ficha = _mensagem.set(str(identificador))
    try:
        yield
    finally:
        _mensagem.reset(ficha)


def mensagem_atual() -> str | None:
    valor = _mensagem.get()
    return None if valor == "-" else valor


class _Fila(logging.handlers.QueueHandler):
    """Formats the record in the caller's thread (message, traceback), tags and masks it, then queues it."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record.mensagem = _mensagem.get()
        registro = super().prepare(record)
        registro.msg = mascarar(registro.msg)
        return registro


def configure_logging(level: str = "INFO", formato: str = "text") -> None:
    """Route the root logger through the queue once per process (journald or Caddy collect stderr)."""
    global _listener
    if _listener is not None:
        logging.getLogger().setLevel(level)
        return
    records: queue.SimpleQueue = queue.SimpleQueue()
    stream = logging.StreamHandler(sys.stderr)
    if formato == "json":
        stream.setFormatter(
            JsonFormatter("{asctime}{levelname}{name}{mensagem}{message}", style="{", rename_fields={"asctime": "ts"})
        )
    else:
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(mensagem)s]: %(message)s"))
    _listener = logging.handlers.QueueListener(records, stream, respect_handler_level=True)
    _listener.start()
    atexit.register(_listener.stop)
    root = logging.getLogger()
    root.addHandler(_Fila(records))
    root.setLevel(level)
