"""national NFS-e: the empresa's gateway and DPS numbering, the note's gateway, access key and DPS number, the service's IBS/CBS operation indicator

Revision ID: 28c831317e60
Revises: dfb5aa872675
Create Date: 2026-11-28 07:25:19.783071

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '28c831317e60'
down_revision = 'dfb5aa872675'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway', sa.Enum('mock', 'plugnotas', 'nacional', name='gateway', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('serie_dps', sa.String(length=5), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('numero_dps', sa.BigInteger(), server_default='1', nullable=False))

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway', sa.Enum('mock', 'plugnotas', 'nacional', name='gateway', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('chave_acesso', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('serie_dps', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('numero_dps', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint('uq_nfse_dps', ['empresa_id', 'serie_dps', 'numero_dps'])

    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cind_op', sa.String(length=6), nullable=True))



def downgrade():
    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.drop_column('cind_op')

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_constraint('uq_nfse_dps', type_='unique')
        batch_op.drop_constraint(op.f('ck_nfse_gateway'), type_='check')
        batch_op.drop_column('numero_dps')
        batch_op.drop_column('serie_dps')
        batch_op.drop_column('chave_acesso')
        batch_op.drop_column('gateway')

    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_empresa_gateway'), type_='check')
        batch_op.drop_column('numero_dps')
        batch_op.drop_column('serie_dps')
        batch_op.drop_column('gateway')

