"""Cells of exported spreadsheets (CSV) that no spreadsheet program runs as a formula."""

from __future__ import annotations

INICIOS_DE_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV Injection")."""


def celula_segura(valor):
    """Text that would start a formula gets a leading apostrophe (shown as text); other values pass unchanged."""
    if isinstance(valor, str) and valor.startswith(INICIOS_DE_FORMULA):
        return "'" + valor
    return valor
