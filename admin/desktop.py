"""Pages of the desktop app only: the first run (creates the firm and its admin, once, with the one-time token
of the URL the app opened) and "Sair" (stops the app)."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_admin.menu import MenuLink
from flask_login import login_required, login_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from agentnfe import auditoria
from agentnfe.contas import MIN_PASSWORD, ContaInvalida, JaConfigurado, criar_primeira_conta
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import User

bp = Blueprint("desktop", __name__)
TOKEN = "PRIMEIRO_ACESSO_TOKEN"
ENCERRAR = "DESKTOP_ENCERRAR"


class FormPrimeiroAcesso(FlaskForm):
    token = HiddenField()
    contabilidade = StringField("Nome da contabilidade", validators=[DataRequired("Informe o nome da contabilidade.")])
    email = EmailField("Seu e-mail", validators=[DataRequired("Informe o e-mail.")])
    senha = PasswordField(
        "Senha",
        validators=[
            DataRequired("Informe a senha."),
            Length(min=MIN_PASSWORD, message=f"Use pelo menos {MIN_PASSWORD} caracteres."),
        ],
    )
    confirmacao = PasswordField("Repita a senha", validators=[EqualTo("senha", message="As senhas não conferem.")])


class FormSair(FlaskForm):
    pass


def init_app(app, encerrar) -> None:
    """Turn the desktop pages on: `encerrar` stops the process (called after "Sair" answers)."""
    app.config[ENCERRAR] = encerrar
    app.register_blueprint(bp)
    app.extensions["admin"][0].add_link(MenuLink(name="Sair", endpoint="desktop.sair"))


def _token_confere(token: str | None) -> bool:
    esperado = current_app.config.get(TOKEN)
    return bool(esperado and token) and hmac.compare_digest(esperado.encode(), token.encode())


@bp.route("/primeiro-acesso", methods=["GET", "POST"])
def primeiro_acesso():
    """Create the firm and its admin. Only while nobody exists, and only with the token of the opened URL."""
    if db.session.scalar(sa.select(User.id).limit(1)) is not None:
        abort(404)
    form = FormPrimeiroAcesso()
    token = request.args.get("token") if request.method == "GET" else form.token.data
    if not _token_confere(token):
        abort(403, description="Abra o endereço que o AgentNFe mostrou ao iniciar (ele traz a chave de acesso).")
    form.token.data = token
    if form.validate_on_submit():
        try:
            with transacao():
                usuario = criar_primeira_conta(db.session, form.contabilidade.data, form.email.data, form.senha.data)
                auditoria.registrar(
                    db.session, "criar", "usuario", usuario.id,
                    f"Primeiro acesso: contabilidade {usuario.contabilidade.nome} e o administrador {usuario.email} "
                    "criados",
                    usuario=usuario,
                )  # fmt: skip
        except JaConfigurado:
            abort(404)
        except ContaInvalida as erro:
            form.email.errors.append(str(erro))
        else:
            current_app.config[TOKEN] = None  # once, never again
            login_user(usuario)
            flash("Contabilidade criada. Bem-vindo ao AgentNFe!", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/primeiro_acesso.html", form=form)


@bp.route("/sair", methods=["GET", "POST"])
@login_required
def sair():
    """Stop the desktop app: running tasks finish, queued ones stay queued for the next start."""
    form = FormSair()
    if form.validate_on_submit():
        current_app.config[ENCERRAR]()
        return render_template("auth/sair.html", encerrado=True, form=form)
    return render_template("auth/sair.html", encerrado=False, form=form)
