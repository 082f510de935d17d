"""Dates as the firm sees them: "today" and "this month" in AGENTNFE_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def fuso() -> ZoneInfo:
    return ZoneInfo(current_app.config["AGENTNFE_TIMEZONE"])


def hoje() -> date:
    return datetime.now(fuso()).date()


def inicio_do_dia(dia: date) -> datetime:
    """Local midnight of `dia`, in UTC (to compare with stored timestamps)."""
    return datetime.combine(dia, time.min, tzinfo=fuso()).astimezone(UTC)
