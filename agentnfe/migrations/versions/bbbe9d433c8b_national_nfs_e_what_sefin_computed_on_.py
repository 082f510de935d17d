"""national NFS-e: what Sefin computed on an authorized note (incidence, base, rate applied, ISS, withheld, net)

Revision ID: bbbe9d433c8b
Revises: 18c8f4d81b1a
Create Date: 2026-12-07 22:43:02.113493

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bbbe9d433c8b'
down_revision = '18c8f4d81b1a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipio_incidencia', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('base_calculo', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('aliquota_aplicada', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column('valor_iss', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('valor_retido', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('valor_liquido', sa.Numeric(precision=14, scale=2), nullable=True))



def downgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_column('valor_liquido')
        batch_op.drop_column('valor_retido')
        batch_op.drop_column('valor_iss')
        batch_op.drop_column('aliquota_aplicada')
        batch_op.drop_column('base_calculo')
        batch_op.drop_column('municipio_incidencia')

