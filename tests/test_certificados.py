"""A1 certificates: parsing, checks, encrypted storage, `certificado add`, expiry warnings."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from agentnfe.conversation.engine import avisar_telefones
from agentnfe.emission import certificados, certificados_aviso
from agentnfe.infra.extensions import db
from agentnfe.models import Certificado, Empresa, Mensagem, Notificacao

from . import factories
from .certs import gerar_pfx
from .conftest import TELEFONE, bot_settings
from .fakes import FakePlugNotas

CNPJ = "11222333000181"
FUSO = ZoneInfo("America/Sao_Paulo")
INSTANTE = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
"""Noon in São Paulo of today's date: the module's clock starts here and runs on, so no test crosses midnight."""
HOJE = INSTANTE.astimezone(FUSO).date()
"""Today where the firm is: certificate dates are the days they begin and end in AGENTNFE_TIMEZONE."""


@pytest.fixture(autouse=True)
def meio_dia():
    with time_machine.travel(INSTANTE, tick=True):
        yield


@pytest.mark.parametrize("kwargs", [{}, {"san": "printable"}, {"san": None, "cn_com_cnpj": True}])
def test_reads_the_cnpj_from_san_or_common_name(kwargs):
    dados = certificados.ler_pfx(gerar_pfx(CNPJ, **kwargs), "senha-do-cert", HOJE, FUSO)
    assert dados.cnpj == CNPJ and dados.titular == "ALFA CONSULTORIA LTDA"
    assert dados.valido_ate == HOJE + timedelta(days=365)


@pytest.mark.parametrize(
    "conteudo, senha, mensagem",
    [
        (lambda: gerar_pfx(CNPJ), "errada", "Senha do certificado incorreta"),
        (lambda: b"isto nao e um pfx", "x", "não é um certificado A1"),
        (lambda: gerar_pfx(CNPJ, san=None), "senha-do-cert", "não é um e-CNPJ ICP-Brasil"),
        (lambda: gerar_pfx(CNPJ, dias=-1, inicio_ha_dias=400), "senha-do-cert", "O certificado venceu em"),
    ],
)
def test_bad_certificates_are_refused_with_a_reason(conteudo, senha, mensagem):
    with pytest.raises(certificados.CertificadoInvalido, match=mensagem):
        certificados.ler_pfx(conteudo(), senha, HOJE, FUSO)


def test_certificate_of_another_cnpj_is_refused(session):
    empresa = factories.empresa(session, cnpj=CNPJ)
    with pytest.raises(
        certificados.CertificadoInvalido, match="é do CNPJ 12.345.678/0001-95, não da empresa 11.222.333/0001-81"
    ):
        certificados.adicionar(session, empresa, gerar_pfx("12345678000195"), "senha-do-cert", HOJE)


def test_cli_stores_it_encrypted_and_never_prints_the_password(app, runner, session, tmp_path):
    factories.empresa(session, cnpj=CNPJ)
    session.commit()
    arquivo = tmp_path / "alfa.pfx"
    arquivo.write_bytes(gerar_pfx(CNPJ, senha="s3nh@-secreta"))
    resultado = runner.invoke(
        args=["certificado", "add", "11.222.333/0001-81", str(arquivo), "--password-stdin"], input="s3nh@-secreta\n"
    )
    assert resultado.exit_code == 0, resultado.output
    assert f"válido até {HOJE + timedelta(days=365):%d/%m/%Y} guardado." in resultado.output
    assert "s3nh@-secreta" not in resultado.output
    arquivo_cifrado, senha_cifrada = session.execute(sa.text("SELECT arquivo, senha FROM certificado")).one()
    assert b"s3nh@-secreta" not in bytes(senha_cifrada) and bytes(arquivo_cifrado) != arquivo.read_bytes()
    assert session.scalar(sa.select(Certificado)).senha == "s3nh@-secreta"


@pytest.mark.parametrize(
    "args, entrada, mensagem",
    [
        (["certificado", "add", "99.999.999/9999-99", "{arquivo}"], "x\n", "é inválido"),
        (["certificado", "add", "12.345.678/0001-95", "{arquivo}"], "x\n", "nenhuma empresa cadastrada"),
        (["certificado", "add", CNPJ, "{arquivo}"], "errada\n", "Senha do certificado incorreta"),
    ],
)
def test_cli_errors(runner, session, tmp_path, args, entrada, mensagem):
    factories.empresa(session, cnpj=CNPJ)
    session.commit()
    arquivo = tmp_path / "alfa.pfx"
    arquivo.write_bytes(gerar_pfx(CNPJ))
    resultado = runner.invoke(args=[a.format(arquivo=arquivo) for a in args] + ["--password-stdin"], input=entrada)
    assert resultado.exit_code == 1
    assert mensagem in resultado.output
    assert session.scalar(sa.select(sa.func.count(Certificado.id))) == 0


def test_cli_uploads_to_plugnotas_and_registers_the_empresa(make_app, evolution, tmp_path):
    plugnotas = FakePlugNotas()
    try:
        app = make_app(
            **bot_settings(
                evolution,
                NFSE_GATEWAY="plugnotas",
                PLUGNOTAS_URL=plugnotas.url,
                PLUGNOTAS_API_KEY=FakePlugNotas.API_KEY,
            )
        )
        with app.app_context():
            factories.empresa(db.session, cnpj=CNPJ)
            db.session.commit()
            arquivo = tmp_path / "alfa.pfx"
            arquivo.write_bytes(gerar_pfx(CNPJ))
            resultado = app.test_cli_runner().invoke(
                args=["certificado", "add", CNPJ, str(arquivo), "--password-stdin"], input="senha-do-cert\n"
            )
            assert resultado.exit_code == 0, resultado.output
            assert "Enviado ao PlugNotas e empresa registrada lá." in resultado.output
            [envio] = plugnotas.posts("/certificado")
            assert (
                b'name="senha"' in envio["raw"]
                and b"senha-do-cert" in envio["raw"]
                and b'name="arquivo"' in envio["raw"]
            )
            [empresa] = plugnotas.posts("/empresa")
            assert empresa["json"]["certificado"] == "5ecc441a4ea3b318cec7f999" and empresa["json"]["cpfCnpj"] == CNPJ
            registro = db.session.scalar(sa.select(Certificado))
            assert registro.gateway_id == "5ecc441a4ea3b318cec7f999" and registro.enviado_gateway_em is not None
    finally:
        plugnotas.close()


def test_expiry_warnings_are_filed_once_per_threshold(bot, evolution):
    empresa = factories.empresa(db.session, cnpj=CNPJ, razao_social="Alfa Consultoria Ltda")
    factories.telefone(db.session, empresa, TELEFONE)
    certificados.adicionar(db.session, empresa, gerar_pfx(CNPJ, dias=40), "senha-do-cert", HOJE)
    db.session.commit()

    def avisar(dias_antes: int) -> list[int]:
        return avisar_telefones(certificados_aviso.avisar_vencimentos(HOJE + timedelta(days=40 - dias_antes)))

    assert avisar(35) == []
    primeiros = avisar(30)
    assert len(primeiros) == 1 and avisar(29) == []
    assert len(avisar(15)) == 1 and len(avisar(7)) == 1 and len(avisar(3)) == 0
    assert len(avisar(-1)) == 1
    tipos = db.session.scalars(sa.select(Notificacao.chave).order_by(Notificacao.id)).all()
    assert [c.rsplit(":", 1)[1] for c in tipos] == ["30", "15", "7", "vencido"]
    texto = db.session.get(Mensagem, primeiros[0]).texto
    assert "vence em 30 dias" in texto and "Alfa Consultoria Ltda" in texto


def test_expiry_task_delivers_to_the_empresa_phones(bot, evolution):
    from tasks.emissao import certificate_expiry

    empresa = factories.empresa(db.session, cnpj=CNPJ)
    factories.telefone(db.session, empresa, TELEFONE)
    certificados.adicionar(
        db.session, db.session.get(Empresa, empresa.id), gerar_pfx(CNPJ, dias=5), "senha-do-cert", HOJE
    )
    db.session.commit()
    certificate_expiry()
    [aviso] = evolution.enviados(TELEFONE)
    assert "vence em 5 dias" in aviso
    assert evolution.requests[-1]["path"] == "/message/sendText/principal"


def test_the_cli_warns_at_once_about_a_certificate_that_lasts_30_days_or_less(app, runner, session, tmp_path):
    factories.empresa(session, cnpj=CNPJ)
    session.commit()
    arquivo = tmp_path / "curto.pfx"
    arquivo.write_bytes(gerar_pfx(CNPJ, dias=15))
    resultado = runner.invoke(
        args=["certificado", "add", CNPJ, str(arquivo), "--password-stdin"], input="senha-do-cert\n"
    )
    assert resultado.exit_code == 0, resultado.output
    assert "Atenção: este certificado vence em 15 dia(s)" in resultado.stderr
