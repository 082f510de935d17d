"""session version for optimistic locking

Revision ID: 89a0f0caabae
Revises: 43b8e320d5c3
Create Date: 2026-11-27 15:36:29.767585

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '89a0f0caabae'
down_revision = '43b8e320d5c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.add_column(sa.Column('versao', sa.Integer(), nullable=False, server_default='1'))



def downgrade():
    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.drop_column('versao')

