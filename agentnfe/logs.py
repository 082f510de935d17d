"""Logging that never blocks a request: records go through a queue to a stderr writer thread."""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys

_listener: logging.handlers.QueueListener | None = None


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger through a QueueHandler once per process (journald/Caddy collect stderr)."""
    global _listener
    if _listener is not None:
        return
    records: queue.SimpleQueue = queue.SimpleQueue()
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _listener = logging.handlers.QueueListener(records, stream, respect_handler_level=True)
    _listener.start()
    atexit.register(_listener.stop)
    root = logging.getLogger()
    root.addHandler(logging.handlers.QueueHandler(records))
    root.setLevel(level)
