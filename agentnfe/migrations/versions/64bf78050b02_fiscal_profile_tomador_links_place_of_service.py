"""fiscal profile, tomador links, place of service, cancellation

Revision ID: 64bf78050b02
Revises: 935f286b2b2f
Create Date: 2026-11-27 19:52:37.635511

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '64bf78050b02'
down_revision = '935f286b2b2f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logradouro', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('numero', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('complemento', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('bairro', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('telefone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('regime_especial', sa.Enum('nenhum', 'me_municipal', 'estimativa', 'sociedade_profissionais', 'cooperativa', 'mei', 'me_epp_simples', 'autonomo', name='regime_especial', native_enum=False, create_constraint=True), server_default='nenhum', nullable=False))
        batch_op.add_column(sa.Column('incentivo_fiscal', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('aliquota_simples_iss', sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column('ambiente', sa.Enum('homologacao', 'producao', name='ambiente', native_enum=False, create_constraint=True), server_default='homologacao', nullable=False))
        batch_op.add_column(sa.Column('serie_rps', sa.String(length=5), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('numero_rps', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('cadastrada_gateway_em', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('empresa_cliente_tomador', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nome', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('logradouro', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('numero', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('complemento', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('bairro', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('cep', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('codigo_municipio', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('uf', sa.String(length=2), nullable=True))

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('codigo_municipio_prestacao', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('tomador_dados', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('cancelamento_codigo', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('cancelamento_motivo', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('cancelamento_protocolo', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('cancelamento_situacao', sa.Enum('solicitado', 'aceito', 'recusado', 'sem_resposta', name='cancelamento_situacao', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('cancelamento_pedido_em', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('codigo_tributacao_nacional', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('cst_ibscbs', sa.String(length=3), nullable=True))

    # Names a firm or its client gave (tomadores not from BrasilAPI) move to the empresa's link; the shared
    # registry keeps only what BrasilAPI said.
    link = sa.table('empresa_cliente_tomador', sa.column('tomador_id'), sa.column('nome'))
    tomador = sa.table('cliente_tomador', sa.column('id'), sa.column('razao_social'), sa.column('fonte'))
    informado = sa.select(tomador.c.razao_social).where(
        tomador.c.id == link.c.tomador_id, tomador.c.fonte != 'brasilapi'
    ).scalar_subquery()
    op.execute(link.update().where(link.c.nome.is_(None)).values(nome=informado))
    op.execute(tomador.update().where(tomador.c.fonte != 'brasilapi').values(razao_social=None))
    nota = sa.table('nfse', sa.column('empresa_id'), sa.column('codigo_municipio_prestacao'))
    empresa = sa.table('empresa', sa.column('id'), sa.column('codigo_municipio'))
    op.execute(nota.update().values(codigo_municipio_prestacao=sa.select(empresa.c.codigo_municipio).where(
        empresa.c.id == nota.c.empresa_id).scalar_subquery()))



def downgrade():
    link = sa.table('empresa_cliente_tomador', sa.column('tomador_id'), sa.column('nome'))
    tomador = sa.table('cliente_tomador', sa.column('id'), sa.column('razao_social'), sa.column('fonte'))
    dito = sa.select(sa.func.max(link.c.nome)).where(link.c.tomador_id == tomador.c.id).scalar_subquery()
    op.execute(tomador.update().where(tomador.c.fonte != 'brasilapi').values(razao_social=dito))
    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.drop_column('cst_ibscbs')
        batch_op.drop_column('codigo_tributacao_nacional')

    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_column('cancelamento_pedido_em')
        batch_op.drop_constraint(op.f('ck_nfse_cancelamento_situacao'), type_='check')
        batch_op.drop_column('cancelamento_situacao')
        batch_op.drop_column('cancelamento_protocolo')
        batch_op.drop_column('cancelamento_motivo')
        batch_op.drop_column('cancelamento_codigo')
        batch_op.drop_column('tomador_dados')
        batch_op.drop_column('codigo_municipio_prestacao')

    with op.batch_alter_table('empresa_cliente_tomador', schema=None) as batch_op:
        batch_op.drop_column('uf')
        batch_op.drop_column('codigo_municipio')
        batch_op.drop_column('cep')
        batch_op.drop_column('bairro')
        batch_op.drop_column('complemento')
        batch_op.drop_column('numero')
        batch_op.drop_column('logradouro')
        batch_op.drop_column('nome')

    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.drop_column('cadastrada_gateway_em')
        batch_op.drop_column('numero_rps')
        batch_op.drop_column('serie_rps')
        batch_op.drop_constraint(op.f('ck_empresa_ambiente'), type_='check')
        batch_op.drop_column('ambiente')
        batch_op.drop_column('aliquota_simples_iss')
        batch_op.drop_column('incentivo_fiscal')
        batch_op.drop_constraint(op.f('ck_empresa_regime_especial'), type_='check')
        batch_op.drop_column('regime_especial')
        batch_op.drop_column('telefone')
        batch_op.drop_column('bairro')
        batch_op.drop_column('complemento')
        batch_op.drop_column('numero')
        batch_op.drop_column('logradouro')

