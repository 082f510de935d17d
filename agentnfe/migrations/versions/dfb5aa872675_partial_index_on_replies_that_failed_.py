"""partial index on replies that failed for good: the back-office's "Não entregues" list reads it

Revision ID: dfb5aa872675
Revises: 536c0b4fedad
Create Date: 2026-11-28 06:08:49.522997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dfb5aa872675'
down_revision = '536c0b4fedad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.create_index('ix_mensagem_falhou', ['id'], unique=False, sqlite_where=sa.text("envio = 'falhou'"), postgresql_where=sa.text("envio = 'falhou'"))


def downgrade():
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_index('ix_mensagem_falhou', sqlite_where=sa.text("envio = 'falhou'"), postgresql_where=sa.text("envio = 'falhou'"))
