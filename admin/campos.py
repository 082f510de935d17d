"""Form fields that take values as Brazilians type them and show them the same way: `1.500,00`, `2,5`,
`10/2026`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_admin.contrib.sqla.form import AdminModelConverter
from wtforms import StringField
from wtforms.validators import Length

from agentnfe import rotulos
from agentnfe.fiscal import (
    CompetenciaInvalida,
    TelefoneInvalido,
    ValorInvalido,
    formatar_brl,
    formatar_telefone,
    normalizar_telefone,
    parse_competencia,
    parse_valor,
)


class _CampoLido(StringField):
    """Text read by a domain parser (`ler`); what it refuses becomes the message beside the field."""

    recusas: tuple[type[Exception], ...] = ()

    def ler(self, texto: str):
        raise NotImplementedError

    def mostrar(self) -> str:
        return self.data or ""

    def _value(self) -> str:
        return self.raw_data[0] if self.raw_data else self.mostrar()

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if texto:
            try:
                self.data = self.ler(texto)
            except self.recusas as erro:
                raise ValueError(str(erro)) from None


class CampoDinheiro(_CampoLido):
    """Money: `1.500,00`, `1500`, `R$ 1.500,00` → Decimal('1500.00'); shown as `1.500,00`."""

    recusas = (ValorInvalido,)
    ler = staticmethod(parse_valor)

    def mostrar(self) -> str:
        return formatar_brl(self.data).removeprefix("R$ ") if isinstance(self.data, Decimal) else super().mostrar()


class CampoAliquota(_CampoLido):
    """A rate typed as text (`2,5`, `2.5`, `2,5 %`), left as text for the registration rules; shown as `2,5`."""

    ler = staticmethod(str)

    def mostrar(self) -> str:
        return rotulos.aliquota(self.data).removesuffix(" %") if isinstance(self.data, Decimal) else super().mostrar()


class CampoCompetencia(_CampoLido):
    """The month a service was rendered: `10/2026` (or `2026-10`) → date(2026, 10, 1); shown as `10/2026`."""

    recusas = (CompetenciaInvalida,)
    ler = staticmethod(parse_competencia)

    def mostrar(self) -> str:
        return rotulos.competencia(self.data) if isinstance(self.data, date) else super().mostrar()


class CampoTelefone(_CampoLido):
    """A WhatsApp number as people write it (`+55 (11) 98765-1111`, `11 98765-1111`), stored as digits."""

    recusas = (TelefoneInvalido,)
    ler = staticmethod(normalizar_telefone)

    def mostrar(self) -> str:
        return formatar_telefone(self.data) if self.data else ""


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
