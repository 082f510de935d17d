"""Login, logout and password change for the back-office (Flask-Login, CSRF-protected forms)."""

from __future__ import annotations

import functools
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from agentnfe import auditoria, contas
from agentnfe.contas import MIN_PASSWORD
from agentnfe.infra import relogio
from agentnfe.infra.extensions import cache, db, limiter, login_manager
from agentnfe.infra.transacao import transacao
from agentnfe.models import User
from agentnfe.models import contas as modelo_de_contas

bp = Blueprint("auth", __name__)
TENTATIVAS_LIVRES = 3
ESPERA_MAXIMA = 900
"""After 3 wrong passwords for an e-mail from one address, each further try waits 2, 4, 8… s (up to 15 min)."""


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
def carregar(identificador: str) -> User | None:
    """The user of a login cookie, while the cookie's session version is still the user's (not logged out)."""
    user_id, _, versao = identificador.partition(":")
    if not user_id.isdigit() or not versao.isdigit():
        return None
    usuario = db.session.get(User, int(user_id), options=[joinedload(User.contabilidade)])
    if usuario is None or not usuario.ativo or usuario.versao_do_login != int(versao):
        return None
    return usuario


@functools.cache
def _hash_ficticio() -> str:
    return generate_password_hash("senha que não pertence a ninguém", modelo_de_contas.METODO_SENHA)


def _conferir(usuario: User | None, senha: str) -> bool:
    """Check the password; for an unknown e-mail a dummy hash is checked, so both take the same time."""
    if usuario is None:
        check_password_hash(_hash_ficticio(), senha)
        return False
    return usuario.check_password(senha)


def _chave_falhas(email: str) -> str:
    return f"login-falhas:{email}:{request.remote_addr}"


def _espera(email: str) -> int:
    """Seconds this (e-mail, client address) must still wait before another try."""
    falhas = cache.get(_chave_falhas(email)) or {}
    return max(0, int(falhas.get("ate", 0) - time.time() + 0.999))


def _falhou(email: str) -> None:
    falhas = cache.get(_chave_falhas(email)) or {"n": 0}
    falhas["n"] += 1
    if falhas["n"] > TENTATIVAS_LIVRES:
        falhas["ate"] = time.time() + min(2 ** (falhas["n"] - TENTATIVAS_LIVRES), ESPERA_MAXIMA)
    cache.set(_chave_falhas(email), falhas, timeout=3600)


def _destino_seguro(destino: str | None) -> str:
    """Only redirect inside this site after login: a path, printable (a CR/LF would split the header), never
    `//host` or a backslash that browsers read as one."""
    if (
        destino
        and destino.startswith("/")
        and destino.isprintable()
        and "\\" not in destino
        and not destino.startswith("//")
        and not urlsplit(destino).netloc
    ):
        return destino
    return url_for("admin.index")


@bp.get("/")
def inicio():
    return redirect(url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    """Log in; wrong passwords slow down only their own (e-mail, client address), never lock the account."""
    form = FormLogin()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        espera = _espera(email)
        if espera:
            flash(f"Muitas tentativas erradas para este e-mail. Tente de novo em {espera} s.", "error")
            return render_template("auth/login.html", form=form), 429
        usuario = db.session.scalar(sa.select(User).where(User.email == email))
        if _conferir(usuario, form.password.data) and usuario.ativo:
            cache.delete(_chave_falhas(email))
            login_user(usuario)
            with transacao():
                contas.marcar_login(usuario, relogio.agora())
            return redirect(_destino_seguro(request.args.get("next")))
        _falhou(email)
        flash("E-mail ou senha incorretos.", "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or form.errors else 401


@bp.post("/logout")
def logout():
    """Leave, and end every session of this user (a copied cookie stops working too)."""
    if current_user.is_authenticated:
        with transacao():
            contas.encerrar_logins(current_user._get_current_object())
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
            usuario = current_user._get_current_object()
            with transacao():
                contas.trocar_senha(usuario, form.nova.data)
                auditoria.registrar(db.session, "senha", "usuario", usuario.id, f"{usuario.email} trocou a própria senha",
                                    usuario=usuario)  # fmt: skip
            login_user(current_user._get_current_object())  # this session goes on; the others end
            flash("Senha alterada. As outras sessões abertas com esta conta foram encerradas.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/senha.html", form=form)
