"""national DPS by regime: Simples total rate and apuracao, nao optante tax burden, notario and outros special regimes

Revision ID: 18c8f4d81b1a
Revises: 28c831317e60
Create Date: 2026-12-07 22:29:05.081203

"""
from alembic import op
import sqlalchemy as sa

ANTES = ("nenhum", "me_municipal", "estimativa", "sociedade_profissionais", "cooperativa", "mei", "me_epp_simples", "autonomo")
DEPOIS = (*ANTES, "notario_registrador", "outros")


def _especiais(valores):
    return sa.text("regime_especial IN (" + ", ".join(f"'{v}'" for v in valores) + ")")


# revision identifiers, used by Alembic.
revision = '18c8f4d81b1a'
down_revision = '28c831317e60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliquota_simples_total', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column('apuracao_simples', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('percentual_tributos_federais', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column('percentual_tributos_estaduais', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column('percentual_tributos_municipais', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.create_check_constraint(op.f('ck_empresa_apuracao_simples'), sa.text('apuracao_simples BETWEEN 1 AND 3'))
        batch_op.drop_constraint(op.f('ck_empresa_regime_especial'), type_='check')
        batch_op.create_check_constraint(op.f('ck_empresa_regime_especial'), _especiais(DEPOIS))


def downgrade():
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_empresa_regime_especial'), type_='check')
        batch_op.create_check_constraint(op.f('ck_empresa_regime_especial'), _especiais(ANTES))
        batch_op.drop_constraint(op.f('ck_empresa_apuracao_simples'), type_='check')
        batch_op.drop_column('percentual_tributos_municipais')
        batch_op.drop_column('percentual_tributos_estaduais')
        batch_op.drop_column('percentual_tributos_federais')
        batch_op.drop_column('apuracao_simples')
        batch_op.drop_column('aliquota_simples_total')
