"""simulator sessions per admin user, login session versions, operators and support belong to no firm

Revision ID: 0938ae6bf93f
Revises: 64bf78050b02
Create Date: 2026-11-27 21:11:30.741440

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0938ae6bf93f'
down_revision = '64bf78050b02'
branch_labels = None
depends_on = None

FINAIS = "estado NOT IN ('CONCLUIDA', 'CANCELADA', 'EXPIRADA')"
PROVIDERS = "provider IN ('evolution', 'meta', 'api', 'simulador')"
PROVIDERS_ANTES = "provider IN ('evolution', 'meta', 'api')"
TENANT = "(contabilidade_id IS NULL) = (role = 'suporte' OR is_superuser)"
TENANT_ANTES = (
    "(role = 'suporte' AND contabilidade_id IS NULL) "
    "OR (role <> 'suporte' AND (contabilidade_id IS NOT NULL OR is_superuser))"
)


def _aberta(extra: str) -> dict:
    clausula = sa.text(f"{FINAIS}{extra}")
    return {"sqlite_where": clausula, "postgresql_where": clausula}


def upgrade():
    usuario = sa.table('user', sa.column('contabilidade_id'), sa.column('is_superuser'), sa.column('role'))
    op.execute(usuario.update().where(sa.or_(usuario.c.is_superuser, usuario.c.role == 'suporte'))
               .values(contabilidade_id=None))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessao_versao', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(op.f('ck_user_tenant'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_tenant'), sa.text(TENANT))

    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.add_column(sa.Column('usuario_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sessao_usuario_id'), ['usuario_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sessao_usuario_id_user'), 'user', ['usuario_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(op.f('ck_sessao_provider'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sessao_provider'), sa.text(PROVIDERS))
        batch_op.drop_index('uq_sessao_aberta_telefone', **_aberta(""))
        batch_op.create_index('uq_sessao_aberta_telefone', ['telefone'], unique=True, **_aberta(" AND usuario_id IS NULL"))
        batch_op.create_index('uq_sessao_aberta_simulador', ['telefone', 'usuario_id'], unique=True,
                              **_aberta(" AND usuario_id IS NOT NULL"))

    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mensagem_provider'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mensagem_provider'), sa.text(PROVIDERS))


def downgrade():
    op.execute("DELETE FROM mensagem WHERE provider = 'simulador'")
    op.execute("DELETE FROM sessao WHERE provider = 'simulador'")
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mensagem_provider'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mensagem_provider'), sa.text(PROVIDERS_ANTES))

    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.drop_index('uq_sessao_aberta_simulador', **_aberta(" AND usuario_id IS NOT NULL"))
        batch_op.drop_index('uq_sessao_aberta_telefone', **_aberta(" AND usuario_id IS NULL"))
        batch_op.create_index('uq_sessao_aberta_telefone', ['telefone'], unique=True, **_aberta(""))
        batch_op.drop_constraint(op.f('ck_sessao_provider'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sessao_provider'), sa.text(PROVIDERS_ANTES))
        batch_op.drop_constraint(batch_op.f('fk_sessao_usuario_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sessao_usuario_id'))
        batch_op.drop_column('usuario_id')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_tenant'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_tenant'), sa.text(TENANT_ANTES))
        batch_op.drop_column('sessao_versao')
