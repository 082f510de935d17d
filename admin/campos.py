"""Form fields that take values as Brazilians type them and show them the same way: `1.500,00`, `2,5`,
`10/2026`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_admin.contrib.sqla.form import AdminModelConverter
from wtforms import StringField
from wtforms.validators import Length

from agentnfe import rotulos
from agentnfe.fiscal import (
    TelefoneInvalido,
    ValorInvalido,
    formatar_brl,
    formatar_telefone,
    normalizar_telefone,
    parse_valor,
)


class CampoDinheiro(StringField):
    """Money: `1.500,00`, `1500`, `R$ 1.500,00` → Decimal('1500.00'); shown as `1.500,00`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return formatar_brl(self.data).removeprefix("R$ ")
        return self.data or ""

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip()
        if not texto:
            self.data = None
            return
        try:
            self.data = parse_valor(texto)
        except ValorInvalido as erro:
            self.data = None
            raise ValueError(str(erro)) from None


class CampoAliquota(StringField):
    """A rate typed as text (`2,5`, `2.5`, `2,5 %`) and checked by the registration rules; shown as `2,5`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return rotulos.aliquota(self.data).removesuffix(" %")
        return self.data or ""


class CampoCompetencia(StringField):
    """The month a service was rendered: `10/2026` (or `2026-10`) → date(2026, 10, 1); shown as `10/2026`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return rotulos.competencia(self.data) if isinstance(self.data, date) else (self.data or "")

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip()
        if not texto:
            self.data = None
            return
        self.data = _mes(texto)
        if self.data is None:
            raise ValueError(f"Competência {texto!r} não é um mês: use mm/aaaa, por exemplo 10/2026.")


def _mes(texto: str) -> date | None:
    achado = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", texto) or re.fullmatch(
        r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", texto
    )
    if achado is None:
        return None
    a, b = achado.groups()
    mes, ano = (int(a), int(b)) if len(b) == 4 else (int(b), int(a))
    return date(ano, mes, 1) if 1 <= mes <= 12 and 1900 < ano < 2200 else None


class CampoTelefone(StringField):
    """A WhatsApp number as people write it (`+55 (11) 98765-1111`, `11 98765-1111`), stored as digits."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return formatar_telefone(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip()
        if not texto:
            self.data = None
            return
        try:
            self.data = normalizar_telefone(texto)
        except TelefoneInvalido as erro:
            self.data = None
            raise ValueError(str(erro)) from None


class Comprimento(Length):
    """A column's length checked when the form is sent, with the message beside the field — not as an HTML
    `maxlength`, which makes the browser silently cut what is typed or pasted."""

    def __init__(self, maximo: int):
        super().__init__(max=maximo, message=f"Use no máximo {maximo} caracteres.")
        self.field_flags = {}


class ConversorDeCampos(AdminModelConverter):
    """Flask-Admin's form fields for the models, each text column checked by `Comprimento`."""

    @classmethod
    def _string_common(cls, column, field_args, **extra):
        comprimento = getattr(column.type, "length", None)
        if isinstance(comprimento, int) and comprimento:
            field_args["validators"].append(Comprimento(comprimento))
        cls._nullable_common(column, field_args)
