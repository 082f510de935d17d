"""note announcements: a note keeps what its user is to be told; messages carry the note and event they announce

Revision ID: 29f0872dc67c
Revises: 0938ae6bf93f
Create Date: 2026-11-27 21:41:03.992112

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '29f0872dc67c'
down_revision = '0938ae6bf93f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nfse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('evento', sa.String(length=60), nullable=True))
        batch_op.create_index('uq_mensagem_anuncio', ['nfse_id', 'evento'], unique=True, sqlite_where=sa.text('nfse_id IS NOT NULL'), postgresql_where=sa.text('nfse_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_mensagem_nfse_id_nfse'), 'nfse', ['nfse_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anuncios', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('ultimo_anuncio', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_column('ultimo_anuncio')
        batch_op.drop_column('anuncios')

    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mensagem_nfse_id_nfse'), type_='foreignkey')
        batch_op.drop_index('uq_mensagem_anuncio', sqlite_where=sa.text('nfse_id IS NOT NULL'), postgresql_where=sa.text('nfse_id IS NOT NULL'))
        batch_op.drop_column('evento')
        batch_op.drop_column('nfse_id')
