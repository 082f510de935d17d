"""emission lease, attempt origin and notices

Revision ID: 1c51a91ab017
Revises: 89a0f0caabae
Create Date: 2026-11-27 15:53:41.585534

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c51a91ab017'
down_revision = '89a0f0caabae'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notificacao',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contabilidade_id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=True),
    sa.Column('tipo', sa.String(length=40), nullable=False),
    sa.Column('mensagem', sa.String(length=500), nullable=False),
    sa.Column('chave', sa.String(length=120), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lida_em', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contabilidade_id'], ['contabilidade.id'], name=op.f('fk_notificacao_contabilidade_id_contabilidade'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_notificacao_empresa_id_empresa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notificacao')),
    sa.UniqueConstraint('chave', name=op.f('uq_notificacao_chave'))
    )
    with op.batch_alter_table('notificacao', schema=None) as batch_op:
        batch_op.create_index('ix_notificacao_contabilidade_criado', ['contabilidade_id', 'criado_em'], unique=False)
        batch_op.create_index(batch_op.f('ix_notificacao_empresa_id'), ['empresa_id'], unique=False)

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enviada_em', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reservada_ate', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('nfse_tentativa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origem', sa.String(length=20), nullable=False, server_default='sistema'))



def downgrade():
    with op.batch_alter_table('nfse_tentativa', schema=None) as batch_op:
        batch_op.drop_column('origem')

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_column('reservada_ate')
        batch_op.drop_column('enviada_em')

    with op.batch_alter_table('notificacao', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notificacao_empresa_id'))
        batch_op.drop_index('ix_notificacao_contabilidade_criado')

    op.drop_table('notificacao')
