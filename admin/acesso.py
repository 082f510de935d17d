"""Who may see and change what: roles of DESIGN.md §2 and tenant scoping of every admin query."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user

from agentnfe.models import Papel, User

LEITURA_E_REPLAY = (Papel.SUPORTE,)


def usuario() -> User | None:
    """The logged-in user; None outside a request or when nobody is logged in."""
    return current_user if current_user and current_user.is_authenticated else None


def contabilidade_id() -> int | None:
    """The firm the user is confined to; None for the operator (superuser) and support (every firm)."""
    atual = usuario()
    if atual is None or atual.is_superuser or atual.role is Papel.SUPORTE:
        return None
    return atual.contabilidade_id


def escreve() -> bool:
    atual = usuario()
    return atual is not None and (atual.is_superuser or atual.role in (Papel.ADMIN, Papel.CONTADOR))


def _pode_ver(papeis: tuple[Papel, ...]) -> bool:
    atual = usuario()
    if atual is None or not atual.ativo:
        return False
    return atual.is_superuser or atual.role is Papel.SUPORTE or atual.role in papeis


def _negar():
    if usuario() is None:
        return redirect(url_for("auth.login", next=request.full_path))
    abort(403)


class Protegida:
    """Mixin for admin pages: authentication plus the roles that may open them."""

    papeis: tuple[Papel, ...] = (Papel.ADMIN, Papel.CONTADOR)

    def is_accessible(self) -> bool:
        return _pode_ver(self.papeis)

    def inaccessible_callback(self, name, **kwargs):
        return _negar()


class PaginaProtegida(Protegida, BaseView):
    pass


class IndiceProtegido(Protegida, AdminIndexView):
    pass


class Escopada(Protegida, ModelView):
    """A model view whose every query (list, count, one, export, actions) stays inside the user's firm."""

    page_size = 50
    can_view_details = True
    can_set_page_size = False
    export_max_rows = 10_000
    somente_leitura = False

    @property
    def can_create(self) -> bool:
        return escreve() and not self.somente_leitura

    @property
    def can_edit(self) -> bool:
        return escreve() and not self.somente_leitura

    @property
    def can_delete(self) -> bool:
        return escreve() and not self.somente_leitura

    def filtrar(self, query, contabilidade: int):
        """Restrict `query` to rows of one firm (each view knows the path)."""
        raise NotImplementedError

    def escopo(self, query):
        contabilidade = contabilidade_id()
        return query if contabilidade is None else self.filtrar(query, contabilidade)

    def get_query(self):
        return self.escopo(super().get_query())

    def get_count_query(self):
        return self.escopo(super().get_count_query())

    def get_one(self, id):
        chave = self.model.__mapper__.primary_key[0]
        objeto = self.get_query().filter(chave == _inteiro(id)).one_or_none()
        if objeto is None:
            abort(404)
        return objeto

    def escopados(self, ids):
        """Reload the ids of a bulk action through the scoped query: ids of another firm simply vanish."""
        chave = self.model.__mapper__.primary_key[0]
        return self.get_query().filter(chave.in_([_inteiro(i) for i in ids])).all()


def _inteiro(valor) -> int:
    """Primary keys arrive as text in URLs and forms; anything else is simply not found."""
    try:
        return int(valor)
    except (TypeError, ValueError):
        abort(404)
