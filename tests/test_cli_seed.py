"""seed-demo: the documented volumes per firm, loginable admins, repeatable."""

import sqlalchemy as sa

from agentnfe.fiscal.documents import cnpj_valido, cpf_valido
from agentnfe.models import (
    ClienteTomador,
    Contabilidade,
    Empresa,
    Estado,
    Mensagem,
    NFSe,
    Sessao,
    StatusNFSe,
    User,
    UsuarioEmpresa,
)


def count(session, column, *where):
    return session.scalar(sa.select(sa.func.count(column)).where(*where))


def test_seed_demo_volumes_and_login(runner, session):
    result = runner.invoke(args=["seed-demo", "--password", "demo-senha-1"])
    assert result.exit_code == 0, result.output
    assert "1 firmas criadas" in result.output and "Firma 1: login admin@firma1.demo" in result.output
    assert "Senha dos administradores" not in result.output

    firma = session.scalar(sa.select(Contabilidade).where(Contabilidade.nome == "Firma 1"))
    assert count(session, Empresa.id, Empresa.contabilidade_id == firma.id) == 20
    assert count(session, sa.distinct(UsuarioEmpresa.telefone)) == 50
    assert count(session, ClienteTomador.id) == 200
    assert count(session, NFSe.id, NFSe.contabilidade_id == firma.id) == 1000
    assert count(session, Sessao.id) == 500
    assert count(session, Mensagem.id) == 10_000
    statuses = set(session.scalars(sa.select(NFSe.status).distinct()))
    assert {StatusNFSe.CONCLUIDA, StatusNFSe.REJEITADA, StatusNFSe.ERRO, StatusNFSe.PROCESSANDO} <= statuses
    abertas = count(session, Sessao.id, Sessao.estado.not_in([Estado.CONCLUIDA, Estado.CANCELADA, Estado.EXPIRADA]))
    assert 0 < abertas <= 50
    for documento in session.scalars(sa.select(ClienteTomador.documento)):
        assert cnpj_valido(documento) or cpf_valido(documento)
    for cnpj in session.scalars(sa.select(Empresa.cnpj)):
        assert cnpj_valido(cnpj)
    admin = session.scalar(sa.select(User).where(User.email == "admin@firma1.demo"))
    assert admin.contabilidade_id == firma.id and admin.check_password("demo-senha-1")


def test_seed_demo_again_adds_the_next_firms_and_prints_a_generated_password(runner, session):
    assert runner.invoke(args=["seed-demo", "--password", "demo-senha-1"]).exit_code == 0
    result = runner.invoke(args=["seed-demo", "--scale", "2"])
    assert result.exit_code == 0, result.output
    assert "admin@firma3.demo" in result.output
    assert "Senha dos administradores de demonstração: " in result.output
    password = result.output.split("Senha dos administradores de demonstração: ")[1].split()[0]
    admin = session.scalar(sa.select(User).where(User.email == "admin@firma3.demo"))
    assert admin.check_password(password)
    assert count(session, Contabilidade.id) == 3
    assert count(session, NFSe.id) == 3000


def test_seed_fills_the_fiscal_profile_and_its_notes_are_valid_for_the_gateway(runner, session):
    from datetime import datetime

    from agentnfe.emission.payload import montar
    from agentnfe.models import EmpresaClienteTomador, Regime, RegimeEspecial, TipoDocumento

    from .fakes import erros_de_schema

    assert runner.invoke(args=["seed-demo", "--password", "demo-senha-1"]).exit_code == 0
    empresas = session.scalars(sa.select(Empresa)).all()
    assert all(not e.endereco_faltando and e.telefone for e in empresas)
    assert all((e.regime_especial is RegimeEspecial.MEI) == (e.regime is Regime.MEI) for e in empresas)
    assert all((e.aliquota_simples_iss is not None) == (e.regime is Regime.SIMPLES_NACIONAL) for e in empresas)
    for empresa in empresas:
        for servico in empresa.servicos:
            assert servico.codigo_tributacao_nacional.startswith(servico.codigo_servico.replace(".", ""))
    sem_nome = session.scalar(
        sa.select(sa.func.count(EmpresaClienteTomador.id))
        .join(ClienteTomador)
        .where(ClienteTomador.tipo_documento == TipoDocumento.CPF, EmpresaClienteTomador.nome.is_(None))
    )
    assert sem_nome == 0
    assert count(session, NFSe.id, NFSe.codigo_municipio_prestacao.is_(None)) == 0
    canceladas = session.scalars(sa.select(NFSe).where(NFSe.status == StatusNFSe.CANCELADA)).all()
    assert canceladas and all(n.cancelamento_codigo and len(n.cancelamento_motivo) >= 15 for n in canceladas)
    notas = session.scalars(sa.select(NFSe).where(NFSe.status != StatusNFSe.PENDENTE).limit(60)).all()
    documentos = [montar(n, n.empresa, n.servico, n.tomador_dados, datetime.now().astimezone())[0] for n in notas]
    assert erros_de_schema("plugnotas_nfse.schema.json", documentos) == {}


def test_demo_data_is_at_rest_a_demo_phone_gets_one_answer(make_app, evolution, runner):
    """Every demo message was answered and no note waits for a lost task: when a demo phone writes again, the bot
    answers that message only, and the sweeper finds nothing to re-send."""
    from agentnfe.conversation import engine, varredura
    from agentnfe.emission import recuperacao
    from agentnfe.infra import relogio
    from agentnfe.infra.extensions import db

    from .conftest import WhatsApp, bot_settings

    app = make_app(**bot_settings(evolution, HUEY_IMMEDIATE=False))
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["seed-demo", "--password", "demo-senha-1"]).exit_code == 0
        sessao = db.session.scalar(sa.select(Sessao).order_by(Sessao.id))
        ultima = db.session.scalar(
            sa.select(sa.func.max(Mensagem.id)).where(Mensagem.sessao_id == sessao.id, Mensagem.direcao == "in")
        )
        assert sessao.ultima_entrada_id == ultima
        assert count(db.session, NFSe.id, NFSe.status.in_([StatusNFSe.PENDENTE, StatusNFSe.ENVIADA])) == 0
        agora = relogio.agora()
        assert recuperacao.notas_paradas(agora) == []
        assert varredura.mensagens_sem_resposta(agora) == []
        telefone = "5511900010010"
        whatsapp = WhatsApp(app.test_client(), evolution)
        assert whatsapp.postar(whatsapp.evento("ajuda", telefone=telefone)).get_json() == {"status": "queued"}
        assert len(engine.processar_telefone(telefone).textos) == 1
