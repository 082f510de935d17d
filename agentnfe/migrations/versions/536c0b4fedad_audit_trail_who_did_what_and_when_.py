"""audit trail: who did what and when, append-only

Revision ID: 536c0b4fedad
Revises: 0399c6f73dfe
Create Date: 2026-11-28 02:39:58.479240

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '536c0b4fedad'
down_revision = '0399c6f73dfe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auditoria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contabilidade_id', sa.Integer(), nullable=True),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.Column('usuario', sa.String(length=254), nullable=False),
    sa.Column('origem', sa.String(length=20), nullable=False),
    sa.Column('acao', sa.String(length=30), nullable=False),
    sa.Column('objeto', sa.String(length=30), nullable=False),
    sa.Column('objeto_id', sa.Integer(), nullable=True),
    sa.Column('descricao', sa.String(length=1000), nullable=False),
    sa.Column('mudancas', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditoria'))
    )
    with op.batch_alter_table('auditoria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditoria_acao'), ['acao'], unique=False)
        batch_op.create_index('ix_auditoria_contabilidade_criado', ['contabilidade_id', 'criado_em'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditoria_criado_em'), ['criado_em'], unique=False)
        batch_op.create_index('ix_auditoria_objeto', ['objeto', 'objeto_id'], unique=False)



def downgrade():
    with op.batch_alter_table('auditoria', schema=None) as batch_op:
        batch_op.drop_index('ix_auditoria_objeto')
        batch_op.drop_index(batch_op.f('ix_auditoria_criado_em'))
        batch_op.drop_index('ix_auditoria_contabilidade_criado')
        batch_op.drop_index(batch_op.f('ix_auditoria_acao'))

    op.drop_table('auditoria')
