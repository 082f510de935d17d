"""create-contabilidade and create-user, as an operator runs them."""

import sqlalchemy as sa

from agentnfe.models import Contabilidade, Papel, User


def invoke(runner, *args, stdin=None):
    return runner.invoke(args=list(args), input=stdin)


def test_create_firm_then_admin(runner, session):
    result = invoke(runner, "create-contabilidade", "Contábil Alfa", "--cnpj", "11.222.333/0001-81")
    assert result.exit_code == 0, result.output
    assert "Contabilidade criada: Contábil Alfa" in result.output
    result = invoke(
        runner,
        "create-user",
        "Ana@Alfa.com.br",
        "--role",
        "admin",
        "--contabilidade",
        "CONTÁBIL ALFA",
        "--password-stdin",
        stdin="senha-segura-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "Usuário criado: ana@alfa.com.br (admin) em Contábil Alfa" in result.output
    user = session.scalar(sa.select(User).where(User.email == "ana@alfa.com.br"))
    assert user.role is Papel.ADMIN
    assert user.contabilidade.nome == "Contábil Alfa"
    assert user.check_password("senha-segura-1")
    assert "senha-segura-1" not in result.output


def test_password_prompt_asks_twice(runner, session):
    invoke(runner, "create-contabilidade", "Beta")
    result = invoke(
        runner,
        "create-user",
        "c@beta.com",
        "--role",
        "contador",
        "--contabilidade",
        "beta",
        stdin="senha-123456\nsenha-123456\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User).where(User.email == "c@beta.com")).check_password("senha-123456")


def test_support_and_superuser_need_no_firm(runner, session):
    assert (
        invoke(
            runner, "create-user", "s@op.com", "--role", "suporte", "--password-stdin", stdin="suporte-123\n"
        ).exit_code
        == 0
    )
    result = invoke(
        runner,
        "create-user",
        "root@op.com",
        "--role",
        "admin",
        "--superuser",
        "--password-stdin",
        stdin="operador-123\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.is_superuser).where(User.email == "root@op.com")) is True


def test_errors_are_precise_and_create_nothing(runner, session):
    invoke(runner, "create-contabilidade", "Alfa")
    cases = [
        (("create-user", "a@x.com", "--role", "admin", "--contabilidade", "Gama"), "contabilidade 'Gama' não existe"),
        (("create-user", "a@x.com", "--role", "admin"), "--contabilidade é obrigatório para o papel admin"),
        (("create-user", "a@x.com", "--role", "contador"), "--contabilidade é obrigatório para o papel contador"),
        (
            ("create-user", "a@x.com", "--role", "suporte", "--contabilidade", "Alfa"),
            "suporte não pertencem a uma contabilidade",
        ),
        (("create-user", "não-é-email", "--role", "suporte"), "e-mail inválido"),
        (("create-user", "a@x.com", "--role", "chefe"), "Invalid value for '--role'"),
    ]
    for args, message in cases:
        result = invoke(runner, *args, "--password-stdin", stdin="senha-valida-1\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    result = invoke(runner, "create-user", "a@x.com", "--role", "suporte", "--password-stdin", stdin="curta\n")
    assert result.exit_code == 1 and "pelo menos 8 caracteres" in result.output
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_duplicate_user_and_firm_are_refused(runner, session):
    invoke(runner, "create-user", "s@op.com", "--role", "suporte", "--password-stdin", stdin="suporte-123\n")
    result = invoke(runner, "create-user", "S@OP.com", "--role", "suporte", "--password-stdin", stdin="suporte-123\n")
    assert result.exit_code == 1 and "já existe um usuário s@op.com" in result.output
    invoke(runner, "create-contabilidade", "Alfa")
    result = invoke(runner, "create-contabilidade", "  ALFA ")
    assert result.exit_code == 1 and "já existe" in result.output
    assert session.scalar(sa.select(sa.func.count(Contabilidade.id))) == 1
