"""the day a note's service was provided, when the user said it (the national DPS's dCompet)

Revision ID: c9d00bcd29c0
Revises: bbbe9d433c8b
Create Date: 2026-12-07 23:04:53.486325

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d00bcd29c0'
down_revision = 'bbbe9d433c8b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_servico', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_column('data_servico')

