"""Login, logout and password change for the back-office (Flask-Login, CSRF-protected forms)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from agentnfe.contas import MIN_PASSWORD
from agentnfe.extensions import db, limiter, login_manager
from agentnfe.models import User

bp = Blueprint("auth", __name__)


class FormLogin(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Informe o e-mail.")])
    password = PasswordField("Senha", validators=[DataRequired("Informe a senha.")])


class FormSenha(FlaskForm):
    atual = PasswordField("Senha atual", validators=[DataRequired("Informe a senha atual.")])
    nova = PasswordField(
        "Nova senha",
        validators=[DataRequired(), Length(min=MIN_PASSWORD, message=f"Use pelo menos {MIN_PASSWORD} caracteres.")],
    )
    confirmacao = PasswordField("Repita a nova senha", validators=[EqualTo("nova", message="As senhas não conferem.")])


@login_manager.user_loader
def carregar(user_id: str) -> User | None:
    usuario = db.session.get(User, int(user_id), options=[joinedload(User.contabilidade)])
    return usuario if usuario is not None and usuario.ativo else None


def _destino_seguro(destino: str | None) -> str:
    """Only redirect inside this site after login."""
    if destino and not urlsplit(destino).netloc and destino.startswith("/"):
        return destino
    return url_for("admin.index")


def _chave_email() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


@bp.get("/")
def inicio():
    return redirect(url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
@limiter.limit("5/minute", methods=["POST"], key_func=_chave_email)
def login():
    form = FormLogin()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        usuario = db.session.scalar(sa.select(User).where(User.email == email))
        if usuario is not None and usuario.ativo and usuario.check_password(form.password.data):
            login_user(usuario)
            usuario.ultimo_login_em = datetime.now(UTC)
            db.session.commit()
            return redirect(_destino_seguro(request.args.get("next")))
        flash("E-mail ou senha incorretos.", "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or form.errors else 401


@bp.post("/logout")
def logout():
    logout_user()
    flash("Você saiu do AgentNFe.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/conta/senha", methods=["GET", "POST"])
@login_required
def senha():
    form = FormSenha()
    if form.validate_on_submit():
        if not current_user.check_password(form.atual.data):
            flash("A senha atual não confere.", "error")
        else:
            current_user.set_password(form.nova.data)
            db.session.commit()
            flash("Senha alterada.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/senha.html", form=form)
