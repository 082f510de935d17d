"""What every command shares: bringing the schema up to date and the hint shown before the first user exists."""

from __future__ import annotations

import sqlalchemy as sa

from agentnfe.infra import estatisticas
from agentnfe.infra.extensions import db
from agentnfe.models import User


def upgrade_database() -> None:
    """Bring the schema to the latest migration (creates it on first start)."""
    from flask_migrate import upgrade

    upgrade()
    estatisticas.atualizar()


def first_run_hint() -> str | None:
    if db.session.scalar(sa.select(User.id).limit(1)) is not None:
        return None
    return (
        "Nenhum usuário cadastrado ainda. Crie a contabilidade e o primeiro acesso com\n"
        '  python -m agentnfe create-contabilidade "Minha Contabilidade"\n'
        '  python -m agentnfe create-user voce@exemplo.com.br --role admin --contabilidade "Minha Contabilidade"\n'
        "ou carregue dados de demonstração com\n"
        "  python -m agentnfe seed-demo"
    )
