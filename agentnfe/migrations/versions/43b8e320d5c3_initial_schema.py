"""initial schema

Revision ID: 43b8e320d5c3
Revises: 
Create Date: 2026-11-27 15:19:44.176019

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '43b8e320d5c3'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cliente_tomador',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('documento', sa.String(length=14), nullable=False),
    sa.Column('tipo_documento', sa.Enum('cpf', 'cnpj', name='tipo_documento', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('razao_social', sa.String(length=200), nullable=True),
    sa.Column('nome_fantasia', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('logradouro', sa.String(length=200), nullable=True),
    sa.Column('numero', sa.String(length=20), nullable=True),
    sa.Column('complemento', sa.String(length=100), nullable=True),
    sa.Column('bairro', sa.String(length=100), nullable=True),
    sa.Column('cep', sa.String(length=8), nullable=True),
    sa.Column('municipio', sa.String(length=100), nullable=True),
    sa.Column('codigo_municipio', sa.String(length=7), nullable=True),
    sa.Column('uf', sa.String(length=2), nullable=True),
    sa.Column('situacao_cadastral', sa.String(length=30), nullable=True),
    sa.Column('fonte', sa.Enum('brasilapi', 'manual', 'whatsapp', name='fonte', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cliente_tomador')),
    sa.UniqueConstraint('documento', name=op.f('uq_cliente_tomador_documento'))
    )
    op.create_table('contabilidade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nome', sa.String(length=200), nullable=False),
    sa.Column('nome_chave', sa.String(length=200), nullable=False),
    sa.Column('cnpj', sa.String(length=14), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contabilidade')),
    sa.UniqueConstraint('nome_chave', name=op.f('uq_contabilidade_nome_chave'))
    )
    op.create_table('empresa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contabilidade_id', sa.Integer(), nullable=False),
    sa.Column('cnpj', sa.String(length=14), nullable=False),
    sa.Column('razao_social', sa.String(length=200), nullable=False),
    sa.Column('nome_fantasia', sa.String(length=200), nullable=True),
    sa.Column('inscricao_municipal', sa.String(length=30), nullable=True),
    sa.Column('codigo_municipio', sa.String(length=7), nullable=False),
    sa.Column('uf', sa.String(length=2), nullable=False),
    sa.Column('cep', sa.String(length=8), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('regime', sa.Enum('simples_nacional', 'lucro_presumido', 'lucro_real', 'mei', name='regime', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ativa', sa.Boolean(), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contabilidade_id'], ['contabilidade.id'], name=op.f('fk_empresa_contabilidade_id_contabilidade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_empresa')),
    sa.UniqueConstraint('cnpj', name=op.f('uq_empresa_cnpj'))
    )
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_empresa_ativa'), ['ativa'], unique=False)
        batch_op.create_index(batch_op.f('ix_empresa_contabilidade_id'), ['contabilidade_id'], unique=False)
        batch_op.create_index('ix_empresa_contabilidade_razao', ['contabilidade_id', 'razao_social'], unique=False)
        batch_op.create_index(batch_op.f('ix_empresa_regime'), ['regime'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('admin', 'contador', 'suporte', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('contabilidade_id', sa.Integer(), nullable=True),
    sa.Column('is_superuser', sa.Boolean(), nullable=False),
    sa.Column('ativo', sa.Boolean(), nullable=False),
    sa.Column('ultimo_login_em', sa.DateTime(timezone=True), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'suporte' AND contabilidade_id IS NULL) OR (role <> 'suporte' AND (contabilidade_id IS NOT NULL OR is_superuser))", name=op.f('ck_user_tenant')),
    sa.ForeignKeyConstraint(['contabilidade_id'], ['contabilidade.id'], name=op.f('fk_user_contabilidade_id_contabilidade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_contabilidade_id'), ['contabilidade_id'], unique=False)

    op.create_table('certificado',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=False),
    sa.Column('arquivo', sa.LargeBinary(), nullable=False),
    sa.Column('senha', sa.LargeBinary(), nullable=False),
    sa.Column('titular', sa.String(length=200), nullable=False),
    sa.Column('cnpj', sa.String(length=14), nullable=False),
    sa.Column('valido_de', sa.Date(), nullable=False),
    sa.Column('valido_ate', sa.Date(), nullable=False),
    sa.Column('enviado_gateway_em', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gateway_id', sa.String(length=100), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_certificado_empresa_id_empresa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificado'))
    )
    with op.batch_alter_table('certificado', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificado_empresa_id'), ['empresa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificado_valido_ate'), ['valido_ate'], unique=False)

    op.create_table('empresa_cliente_tomador',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=False),
    sa.Column('tomador_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('iss_retido', sa.Boolean(), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_empresa_cliente_tomador_empresa_id_empresa'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tomador_id'], ['cliente_tomador.id'], name=op.f('fk_empresa_cliente_tomador_tomador_id_cliente_tomador'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_empresa_cliente_tomador')),
    sa.UniqueConstraint('empresa_id', 'tomador_id', name=op.f('uq_empresa_cliente_tomador_empresa_id_tomador_id'))
    )
    with op.batch_alter_table('empresa_cliente_tomador', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_empresa_cliente_tomador_empresa_id'), ['empresa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_empresa_cliente_tomador_tomador_id'), ['tomador_id'], unique=False)

    op.create_table('servico_empresa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=False),
    sa.Column('codigo_servico', sa.String(length=5), nullable=False),
    sa.Column('codigo_tributacao_municipal', sa.String(length=20), nullable=True),
    sa.Column('cnae', sa.String(length=7), nullable=True),
    sa.Column('aliquota_iss', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('iss_retido', sa.Boolean(), nullable=False),
    sa.Column('descricao', sa.String(length=500), nullable=True),
    sa.Column('palavras_chave', sa.String(length=500), nullable=True),
    sa.Column('nbs', sa.String(length=12), nullable=True),
    sa.Column('cclass_trib', sa.String(length=12), nullable=True),
    sa.Column('padrao', sa.Boolean(), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('aliquota_iss >= 0 AND aliquota_iss <= 5', name=op.f('ck_servico_empresa_aliquota_iss')),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_servico_empresa_empresa_id_empresa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_servico_empresa'))
    )
    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_servico_empresa_empresa_id'), ['empresa_id'], unique=False)
        batch_op.create_index('uq_servico_empresa_padrao', ['empresa_id'], unique=True, sqlite_where=sa.text('padrao'), postgresql_where=sa.text('padrao'))

    op.create_table('sessao',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('telefone', sa.String(length=15), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.Enum('evolution', 'meta', 'api', name='provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('instance', sa.String(length=100), nullable=False),
    sa.Column('estado', sa.Enum('COLETA', 'DADOS_INCOMPLETOS', 'ESCOLHA_EMPRESA', 'CONFIRMACAO', 'EMITINDO', 'CONCLUIDA', 'CANCELADA', 'EXPIRADA', name='estado', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('dados', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('expira_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ultima_entrada_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_sessao_empresa_id_empresa'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessao'))
    )
    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.create_index('ix_sessao_empresa_atualizado', ['empresa_id', 'atualizado_em'], unique=False)
        batch_op.create_index('ix_sessao_estado_expira', ['estado', 'expira_em'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessao_telefone'), ['telefone'], unique=False)
        batch_op.create_index('uq_sessao_aberta_telefone', ['telefone'], unique=True, sqlite_where=sa.text("estado NOT IN ('CONCLUIDA', 'CANCELADA', 'EXPIRADA')"), postgresql_where=sa.text("estado NOT IN ('CONCLUIDA', 'CANCELADA', 'EXPIRADA')"))

    op.create_table('usuario_empresa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=False),
    sa.Column('telefone', sa.String(length=15), nullable=False),
    sa.Column('nome', sa.String(length=200), nullable=True),
    sa.Column('ativo', sa.Boolean(), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_usuario_empresa_empresa_id_empresa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usuario_empresa')),
    sa.UniqueConstraint('empresa_id', 'telefone', name=op.f('uq_usuario_empresa_empresa_id_telefone'))
    )
    with op.batch_alter_table('usuario_empresa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usuario_empresa_empresa_id'), ['empresa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usuario_empresa_telefone'), ['telefone'], unique=False)

    op.create_table('mensagem',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sessao_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('direcao', sa.Enum('in', 'out', name='direcao', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('tipo', sa.Enum('texto', 'audio', 'imagem', 'documento', 'outro', name='tipo', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('texto', sa.Text(), nullable=True),
    sa.Column('provider', sa.Enum('evolution', 'meta', 'api', name='provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('instance', sa.String(length=100), nullable=False),
    sa.Column('provider_id', sa.String(length=128), nullable=True),
    sa.Column('envio', sa.Enum('pendente', 'enviada', 'falhou', name='envio', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('llm_chamado', sa.Boolean(), nullable=False),
    sa.Column('tokens_in', sa.Integer(), nullable=True),
    sa.Column('tokens_out', sa.Integer(), nullable=True),
    sa.Column('llm_ms', sa.Integer(), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(direcao = 'out') = (envio IS NOT NULL)", name=op.f('ck_mensagem_envio_saida')),
    sa.ForeignKeyConstraint(['sessao_id'], ['sessao.id'], name=op.f('fk_mensagem_sessao_id_sessao'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mensagem')),
    sa.UniqueConstraint('provider', 'instance', 'provider_id', name=op.f('uq_mensagem_provider_instance_provider_id'))
    )
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mensagem_criado_em'), ['criado_em'], unique=False)
        batch_op.create_index('ix_mensagem_sessao_id', ['sessao_id', 'id'], unique=False)

    op.create_table('nfse',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contabilidade_id', sa.Integer(), nullable=False),
    sa.Column('empresa_id', sa.Integer(), nullable=False),
    sa.Column('servico_id', sa.Integer(), nullable=True),
    sa.Column('tomador_id', sa.Integer(), nullable=True),
    sa.Column('sessao_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id_integracao', sa.String(length=64), nullable=False),
    sa.Column('valor', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('descricao', sa.Text(), nullable=False),
    sa.Column('competencia', sa.Date(), nullable=False),
    sa.Column('aliquota_iss', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('iss_retido', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pendente', 'enviada', 'processando', 'concluida', 'rejeitada', 'erro', 'atencao', 'cancelada', name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('gateway_id', sa.String(length=100), nullable=True),
    sa.Column('protocolo', sa.String(length=100), nullable=True),
    sa.Column('numero', sa.String(length=30), nullable=True),
    sa.Column('codigo_verificacao', sa.String(length=100), nullable=True),
    sa.Column('pdf_url', sa.String(length=500), nullable=True),
    sa.Column('xml_url', sa.String(length=500), nullable=True),
    sa.Column('mensagem_erro', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('resposta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('emitida_em', sa.DateTime(timezone=True), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valor > 0', name=op.f('ck_nfse_valor_positivo')),
    sa.ForeignKeyConstraint(['contabilidade_id'], ['contabilidade.id'], name=op.f('fk_nfse_contabilidade_id_contabilidade')),
    sa.ForeignKeyConstraint(['empresa_id'], ['empresa.id'], name=op.f('fk_nfse_empresa_id_empresa')),
    sa.ForeignKeyConstraint(['servico_id'], ['servico_empresa.id'], name=op.f('fk_nfse_servico_id_servico_empresa'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sessao_id'], ['sessao.id'], name=op.f('fk_nfse_sessao_id_sessao'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tomador_id'], ['cliente_tomador.id'], name=op.f('fk_nfse_tomador_id_cliente_tomador')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nfse')),
    sa.UniqueConstraint('id_integracao', name=op.f('uq_nfse_id_integracao'))
    )
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.create_index('ix_nfse_contabilidade_criado', ['contabilidade_id', 'criado_em'], unique=False)
        batch_op.create_index('ix_nfse_contabilidade_status', ['contabilidade_id', 'status'], unique=False)
        batch_op.create_index('ix_nfse_empresa_criado', ['empresa_id', 'criado_em'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_gateway_id'), ['gateway_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_numero'), ['numero'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_servico_id'), ['servico_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_sessao_id'), ['sessao_id'], unique=False)
        batch_op.create_index('ix_nfse_status_atualizado', ['status', 'atualizado_em'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_tomador_id'), ['tomador_id'], unique=False)

    op.create_table('nfse_tentativa',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('nfse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('acao', sa.Enum('emitir', 'consultar', 'reemitir', 'cancelar', name='acao', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.Column('id_integracao', sa.String(length=64), nullable=False),
    sa.Column('resultado', sa.String(length=500), nullable=False),
    sa.Column('status_resultante', sa.Enum('pendente', 'enviada', 'processando', 'concluida', 'rejeitada', 'erro', 'atencao', 'cancelada', name='status_resultante', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('resposta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['nfse_id'], ['nfse.id'], name=op.f('fk_nfse_tentativa_nfse_id_nfse'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['usuario_id'], ['user.id'], name=op.f('fk_nfse_tentativa_usuario_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nfse_tentativa'))
    )
    with op.batch_alter_table('nfse_tentativa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nfse_tentativa_nfse_id'), ['nfse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nfse_tentativa_usuario_id'), ['usuario_id'], unique=False)



def downgrade():
    with op.batch_alter_table('nfse_tentativa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nfse_tentativa_usuario_id'))
        batch_op.drop_index(batch_op.f('ix_nfse_tentativa_nfse_id'))

    op.drop_table('nfse_tentativa')
    with op.batch_alter_table('nfse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nfse_tomador_id'))
        batch_op.drop_index('ix_nfse_status_atualizado')
        batch_op.drop_index(batch_op.f('ix_nfse_sessao_id'))
        batch_op.drop_index(batch_op.f('ix_nfse_servico_id'))
        batch_op.drop_index(batch_op.f('ix_nfse_numero'))
        batch_op.drop_index(batch_op.f('ix_nfse_gateway_id'))
        batch_op.drop_index('ix_nfse_empresa_criado')
        batch_op.drop_index('ix_nfse_contabilidade_status')
        batch_op.drop_index('ix_nfse_contabilidade_criado')

    op.drop_table('nfse')
    with op.batch_alter_table('mensagem', schema=None) as batch_op:
        batch_op.drop_index('ix_mensagem_sessao_id')
        batch_op.drop_index(batch_op.f('ix_mensagem_criado_em'))

    op.drop_table('mensagem')
    with op.batch_alter_table('usuario_empresa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usuario_empresa_telefone'))
        batch_op.drop_index(batch_op.f('ix_usuario_empresa_empresa_id'))

    op.drop_table('usuario_empresa')
    with op.batch_alter_table('sessao', schema=None) as batch_op:
        batch_op.drop_index('uq_sessao_aberta_telefone', sqlite_where=sa.text("estado NOT IN ('CONCLUIDA', 'CANCELADA', 'EXPIRADA')"), postgresql_where=sa.text("estado NOT IN ('CONCLUIDA', 'CANCELADA', 'EXPIRADA')"))
        batch_op.drop_index(batch_op.f('ix_sessao_telefone'))
        batch_op.drop_index('ix_sessao_estado_expira')
        batch_op.drop_index('ix_sessao_empresa_atualizado')

    op.drop_table('sessao')
    with op.batch_alter_table('servico_empresa', schema=None) as batch_op:
        batch_op.drop_index('uq_servico_empresa_padrao', sqlite_where=sa.text('padrao'), postgresql_where=sa.text('padrao'))
        batch_op.drop_index(batch_op.f('ix_servico_empresa_empresa_id'))

    op.drop_table('servico_empresa')
    with op.batch_alter_table('empresa_cliente_tomador', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_empresa_cliente_tomador_tomador_id'))
        batch_op.drop_index(batch_op.f('ix_empresa_cliente_tomador_empresa_id'))

    op.drop_table('empresa_cliente_tomador')
    with op.batch_alter_table('certificado', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificado_valido_ate'))
        batch_op.drop_index(batch_op.f('ix_certificado_empresa_id'))

    op.drop_table('certificado')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_contabilidade_id'))

    op.drop_table('user')
    with op.batch_alter_table('empresa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_empresa_regime'))
        batch_op.drop_index('ix_empresa_contabilidade_razao')
        batch_op.drop_index(batch_op.f('ix_empresa_contabilidade_id'))
        batch_op.drop_index(batch_op.f('ix_empresa_ativa'))

    op.drop_table('empresa')
    op.drop_table('contabilidade')
    op.drop_table('cliente_tomador')
