"""Back-office users of a firm (operators create them in the firm they choose)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_admin.helpers import is_form_submitted
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from agentnfe import contas
from agentnfe.infra.extensions import db
from agentnfe.models import (
    Contabilidade,
    Papel,
    User,
)

from .. import validacao
from ..acesso import Escopada, contabilidade_id, usuario


class UsuarioView(Escopada):
    """Users of the firm; support staff and operators belong to no firm and only the operator sees them."""

    objeto_auditado = "usuario"
    escritor = contas

    papeis = (Papel.ADMIN,)
    column_list = ("email", "role", "contabilidade", "is_superuser", "ativo", "ultimo_login_em")
    column_details_list = column_list
    column_export_list = column_list
    column_labels = {
        "email": "E-mail", "role": "Papel", "contabilidade": "Contabilidade", "is_superuser": "Operador",
        "ativo": "Ativo", "ultimo_login_em": "Último acesso", "nova_senha": "Senha", "firma": "Contabilidade",
    }  # fmt: skip
    column_searchable_list = ("email",)
    form_columns = ("email", "role", "firma", "ativo", "nova_senha")
    form_overrides = {"role": SelectField}
    form_extra_fields = {
        "email": StringField("E-mail", validators=[DataRequired("Informe o e-mail.")]),
        "firma": SelectField("Contabilidade", coerce=int, validate_choice=False),
        "nova_senha": PasswordField("Senha (deixe vazio para manter)"),
    }

    def filtrar(self, query, contabilidade):
        return query.filter(User.contabilidade_id == contabilidade, User.is_superuser.is_(False))

    def is_accessible(self):
        atual = usuario()
        return atual is not None and atual.ativo and (atual.is_superuser or atual.role is Papel.ADMIN)

    def _preparar(self, form, obj=None):
        atual = usuario()
        papeis = list(Papel) if atual.is_superuser else [Papel.ADMIN, Papel.CONTADOR]
        form.role.choices = [(p.value, p.value) for p in papeis]
        if atual.is_superuser:
            firmas = db.session.scalars(sa.select(Contabilidade).order_by(Contabilidade.nome)).all()
            form.firma.choices = [(0, "— nenhuma (suporte) —")] + [(f.id, f.nome) for f in firmas]
            if obj is not None and not form.firma.data:
                form.firma.data = obj.contabilidade_id or 0
        else:
            del form.firma  # a firm's admin creates users of that firm only
        return form

    def create_form(self, obj=None):
        return self._preparar(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._preparar(super().edit_form(obj), obj)

    def validate_form(self, form):
        """E-mail, password and firm checked beside each field; an e-mail in use is just "not available"."""
        from agentnfe.contas import MIN_PASSWORD, ContaInvalida, parse_email

        valido = super().validate_form(form)
        if not hasattr(form, "nova_senha") or not is_form_submitted():
            return valido
        erros = {}
        atual = request.args.get("id")
        try:
            email = parse_email(form.email.data or "")
        except ContaInvalida as erro:
            erros["email"] = str(erro).capitalize() + "."
        else:
            outro = db.session.scalar(sa.select(User.id).where(User.email == email))
            if outro is not None and str(outro) != str(atual):
                erros["email"] = "Este e-mail não está disponível."
        senha = form.nova_senha.data or ""
        if not senha and atual is None:
            erros["nova_senha"] = "Defina uma senha para o novo usuário."
        elif senha and len(senha) < MIN_PASSWORD:
            erros["nova_senha"] = f"A senha precisa de pelo menos {MIN_PASSWORD} caracteres."
        if getattr(form, "firma", None) is not None:
            sem_firma = form.role.data == Papel.SUPORTE.value
            if sem_firma and form.firma.data:
                erros["firma"] = "Suporte não pertence a uma contabilidade."
            elif not sem_firma and not form.firma.data:
                erros["firma"] = "Escolha a contabilidade deste usuário."
        return validacao.marcar(form, erros) and valido

    def on_model_change(self, form, model, is_created):
        if getattr(form, "firma", None) is not None:
            firma = form.firma.data or None
        else:
            firma = contabilidade_id() if is_created else model.contabilidade_id
        contas.alterar_usuario(model, form.email.data, Papel(form.role.data), firma, form.nova_senha.data, is_created)
