"""Spreadsheets the firm opens in Excel pt-BR: `;`-separated CSV with a UTF-8 BOM (values already written as
the firm reads them: `1234,56`, `27/11/2026`), and cells no spreadsheet program runs as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

BOM = "\ufeff"
"""Without it, Excel reads UTF-8 as cp1252 (`SÃ£o Paulo`)."""


class ExcelBR(csv.excel):
    """Excel's own dialect in a pt-BR locale: the comma is the decimal mark, so fields are split by `;`."""

    delimiter = ";"


def numero(valor: Decimal, casas: int | None = None) -> str:
    """A number as Excel pt-BR sums it: `1234,56` (with `casas` decimal places, else the value's own)."""
    texto = format(valor, "f") if casas is None else f"{valor:.{casas}f}"
    return texto.replace(".", ",")


def linhas_csv(cabecalho: Iterable[str], linhas: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, row by row (for a streamed download), every cell made safe."""
    buffer = io.StringIO()
    escritor = csv.writer(buffer, dialect=ExcelBR)

    def linha(celulas) -> str:
        buffer.seek(0)
        buffer.truncate()
        escritor.writerow([celula_segura("" if c is None else c) for c in celulas])
        return buffer.getvalue()

    yield BOM + linha(cabecalho)
    for celulas in linhas:
        yield linha(celulas)


INICIOS_DE_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV Injection"), the full-width
＝＋－＠ included (a spreadsheet in an East Asian locale folds them to their ASCII forms)."""


def celula_segura(valor):
    """Text that would start a formula gets a leading apostrophe (shown as text); other values pass unchanged."""
    if isinstance(valor, str) and valor.startswith(INICIOS_DE_FORMULA):
        return "'" + valor
    return valor
