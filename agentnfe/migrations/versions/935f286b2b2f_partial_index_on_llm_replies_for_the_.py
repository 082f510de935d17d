"""indexes for the dashboard and the notes list: LLM replies by date, notes by date

Revision ID: 935f286b2b2f
Revises: 1c51a91ab017
Create Date: 2026-11-27 16:33:28.771664

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '935f286b2b2f'
down_revision = '1c51a91ab017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.create_index('ix_nfse_criado', ['criado_em'], unique=False)

    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.create_index('ix_mensagem_llm_criado', ['criado_em'], unique=False, sqlite_where=sa.text('llm_chamado'), postgresql_where=sa.text('llm_chamado'))



def downgrade():
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_index('ix_mensagem_llm_criado', sqlite_where=sa.text('llm_chamado'), postgresql_where=sa.text('llm_chamado'))

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_index('ix_nfse_criado')

