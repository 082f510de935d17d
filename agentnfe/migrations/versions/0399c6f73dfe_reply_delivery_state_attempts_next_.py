"""reply delivery state (attempts, next attempt, deadline) and pending index; write probe of the health check

Revision ID: 0399c6f73dfe
Revises: 29f0872dc67c
Create Date: 2026-11-27 23:37:55.518215

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0399c6f73dfe'
down_revision = '29f0872dc67c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sonda_escrita',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('instante', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sonda_escrita'))
    )
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entrega_tentativas', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('entrega_em', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('entregar_ate', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_mensagem_pendente', ['id'], unique=False, sqlite_where=sa.text("envio = 'pendente'"), postgresql_where=sa.text("envio = 'pendente'"))



def downgrade():
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_index('ix_mensagem_pendente', sqlite_where=sa.text("envio = 'pendente'"), postgresql_where=sa.text("envio = 'pendente'"))
        batch_op.drop_column('entregar_ate')
        batch_op.drop_column('entrega_em')
        batch_op.drop_column('entrega_tentativas')

    op.drop_table('sonda_escrita')
