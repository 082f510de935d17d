"""List filters in the firm's words: a vocabulary column offers its Portuguese names."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import filters

from agentnfe import rotulos


class ConversorDeFiltros(FilterConverter):
    """Flask-Admin's filters, with each vocabulary's members offered by name (what its filters read back)
    and shown by their Portuguese label."""

    @filters.convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        if not options:
            vocabulario = column.type.enum_class
            options = [(membro.name, rotulos.rotulo(membro)) for membro in vocabulario]
        return [f(column, name, options, **kwargs) for f in self.enum]
