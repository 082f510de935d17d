"""The operator commands of `python -m agentnfe`, one module per command group; each command is a thin wrapper
over the feature it drives and owns its transaction."""

from __future__ import annotations

import click


def todos() -> list[click.Command]:
    """Every command, in the order `--help` lists them."""
    from agentnfe.cli import (
        backup,
        bench,
        cadastros,
        contas,
        demonstracao,
        desktop,
        fechamento,
        nacional,
        notas,
        servicos,
    )

    modulos = (servicos, contas, cadastros, demonstracao, notas, backup, bench, desktop, fechamento, nacional)
    return [comando for modulo in modulos for comando in modulo.COMMANDS]
