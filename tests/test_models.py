"""The database enforces the domain's rules, on SQLite and on PostgreSQL alike."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from agentnfe.models import (
    Certificado,
    Contabilidade,
    Direcao,
    Envio,
    Estado,
    Mensagem,
    Papel,
    Provider,
    ServicoEmpresa,
    StatusNFSe,
    User,
)

from . import factories


def test_firm_names_are_unique_ignoring_case(session):
    factories.contabilidade(session, "Contábil Alfa")
    assert session.scalar(Contabilidade.por_nome("  CONTÁBIL   ALFA ")).nome == "Contábil Alfa"
    session.add(Contabilidade(nome="CONTÁBIL ALFA"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_empresa_cnpj_is_unique_across_firms(session):
    empresa = factories.empresa(session)
    with pytest.raises(IntegrityError):
        factories.empresa(session, cnpj=empresa.cnpj)


def test_only_one_default_service_per_empresa(session):
    empresa = factories.empresa(session)
    empresa.servicos.append(ServicoEmpresa(codigo_servico="01.07", aliquota_iss=Decimal("3"), padrao=False))
    session.flush()
    empresa.servicos.append(ServicoEmpresa(codigo_servico="08.02", aliquota_iss=Decimal("3"), padrao=True))
    with pytest.raises(IntegrityError):
        session.flush()


def test_iss_rate_must_be_between_0_and_5(session):
    empresa = factories.empresa(session)
    empresa.servicos.append(ServicoEmpresa(codigo_servico="01.07", aliquota_iss=Decimal("5.5")))
    with pytest.raises(IntegrityError):
        session.flush()


def test_rates_and_money_come_back_as_exact_decimals(session):
    empresa = factories.empresa(session)
    nota = factories.nota(session, empresa, valor="1234567890.99", aliquota_iss=Decimal("2.7500"))
    session.commit()
    session.expire_all()
    assert nota.valor == Decimal("1234567890.99")
    assert isinstance(nota.valor, Decimal)
    assert nota.aliquota_iss == Decimal("2.7500")
    total = session.scalar(sa.select(sa.func.sum(type(nota).valor)))
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("1234567890.99")


def test_only_one_open_session_per_phone(session):
    factories.sessao(session, estado=Estado.CONCLUIDA)
    factories.sessao(session, estado=Estado.EXPIRADA)
    factories.sessao(session, estado=Estado.CONFIRMACAO)
    with pytest.raises(IntegrityError):
        factories.sessao(session, estado=Estado.COLETA)


def test_messages_are_deduplicated_by_provider_instance_and_id(session):
    sessao = factories.sessao(session)
    kwargs = dict(sessao=sessao, direcao=Direcao.ENTRADA, texto="oi", provider=Provider.EVOLUTION, instance="principal")
    session.add(Mensagem(provider_id="ABC", **kwargs))
    session.add(Mensagem(provider_id=None, **kwargs))
    session.add(Mensagem(provider_id=None, **kwargs))
    session.add(Mensagem(provider_id="ABC", **{**kwargs, "instance": "outra"}))
    session.flush()
    session.add(Mensagem(provider_id="ABC", **kwargs))
    with pytest.raises(IntegrityError):
        session.flush()


def test_outbound_messages_need_a_delivery_status_and_inbound_ones_none(session):
    sessao = factories.sessao(session)
    session.add(Mensagem(sessao=sessao, direcao=Direcao.SAIDA, texto="oi", provider=Provider.API))
    with pytest.raises(IntegrityError):
        session.flush()


def test_messages_are_append_only_except_delivery(session):
    sessao = factories.sessao(session)
    saida = Mensagem(
        sessao=sessao, direcao=Direcao.SAIDA, texto="Confirma?", provider=Provider.API, envio=Envio.PENDENTE
    )
    session.add(saida)
    session.flush()
    saida.envio = Envio.ENVIADA
    saida.provider_id = "WAMID.1"
    session.flush()
    saida.texto = "outra coisa"
    with pytest.raises(ValueError, match="append-only"):
        session.flush()


def test_note_value_must_be_positive_and_integration_id_is_fresh(session):
    empresa = factories.empresa(session)
    primeira = factories.nota(session, empresa)
    segunda = factories.nota(session, empresa)
    assert primeira.id_integracao.startswith("agentnfe-") and len(primeira.id_integracao) == 41
    assert primeira.id_integracao != segunda.id_integracao
    assert primeira.status is StatusNFSe.PENDENTE
    with pytest.raises(IntegrityError):
        factories.nota(session, empresa, valor="0")


def test_integration_ids_are_unique(session):
    empresa = factories.empresa(session)
    primeira = factories.nota(session, empresa)
    with pytest.raises(IntegrityError):
        factories.nota(session, empresa, id_integracao=primeira.id_integracao)


def test_users_belong_to_a_firm_unless_support_or_superuser(session):
    firma = factories.contabilidade(session)
    session.add(User(email="a@x.com", password_hash="x", role=Papel.ADMIN, contabilidade=firma))
    session.add(User(email="s@x.com", password_hash="x", role=Papel.SUPORTE))
    session.add(User(email="op@x.com", password_hash="x", role=Papel.ADMIN, is_superuser=True))
    session.flush()
    session.add(User(email="b@x.com", password_hash="x", role=Papel.CONTADOR))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(User(email="c@x.com", password_hash="x", role=Papel.SUPORTE, contabilidade=firma))
    with pytest.raises(IntegrityError):
        session.flush()


def test_passwords_are_hashed(session):
    user = User(email="a@x.com", role=Papel.SUPORTE)
    user.set_password("segredo-forte")
    assert "segredo-forte" not in user.password_hash
    assert user.check_password("segredo-forte")
    assert not user.check_password("errada")


def test_certificate_file_and_password_are_encrypted_at_rest(session):
    empresa = factories.empresa(session)
    certificado = Certificado(
        empresa=empresa,
        arquivo=b"PFX-BYTES-0123456789",
        senha="senha-do-certificado",
        titular="ALFA CONSULTORIA LTDA",
        cnpj=empresa.cnpj,
        valido_de=datetime(2026, 1, 1).date(),
        valido_ate=datetime(2027, 1, 1).date(),
    )
    session.add(certificado)
    session.commit()
    arquivo, senha = session.execute(sa.text("SELECT arquivo, senha FROM certificado")).one()
    assert b"PFX-BYTES" not in bytes(arquivo)
    assert b"senha-do-certificado" not in bytes(senha)
    session.expire_all()
    assert certificado.arquivo == b"PFX-BYTES-0123456789"
    assert certificado.senha == "senha-do-certificado"
    assert "senha" not in repr(certificado)


def test_timestamps_are_utc_aware(session):
    firma = factories.contabilidade(session)
    session.commit()
    session.expire_all()
    assert firma.criado_em.tzinfo is not None
    assert abs((datetime.now(UTC) - firma.criado_em).total_seconds()) < 60
