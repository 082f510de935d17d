"""The one clock: every "now" (UTC, for stored timestamps) and every "today" (in AGENTNFE_TIMEZONE, for dates
the firm sees: competência, certificate validity, dashboards)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def agora() -> datetime:
    """Now, timezone-aware in UTC (what the database stores)."""
    return datetime.now(UTC)


def agora_local() -> datetime:
    """Now in the firm's time zone (emission dates sent to gateways)."""
    return datetime.now(fuso())


def fuso() -> ZoneInfo:
    return ZoneInfo(current_app.config["AGENTNFE_TIMEZONE"])


def local(instante: datetime) -> datetime:
    """A stored instant (UTC; naive ones are UTC) in the firm's time zone."""
    if instante.tzinfo is None:
        instante = instante.replace(tzinfo=UTC)
    return instante.astimezone(fuso())


def hoje() -> date:
    return agora_local().date()


def inicio_do_dia(dia: date) -> datetime:
    """Local midnight of `dia`, in UTC (to compare with stored timestamps)."""
    return datetime.combine(dia, time.min, tzinfo=fuso()).astimezone(UTC)
