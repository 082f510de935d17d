"""Who may see and change what: roles of docs/arquitetura.md §2 and tenant scoping of every admin query."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.babel import gettext
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from wtforms import ValidationError

from agentnfe import auditoria
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import Auditoria, Papel, User
from agentnfe.planilha import celula_segura, linhas_csv

from . import formatos
from .campos import ConversorDeCampos
from .filtros import ConversorDeFiltros

LEITURA_E_REPLAY = (Papel.SUPORTE,)
REPETIDO_OU_EM_USO = "Não foi possível salvar: um dos valores já existe em outro registro ou está em uso."
log = logging.getLogger(__name__)


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
    column_type_formatters = formatos.LISTA
    details_template = "admin/detalhes.html"
    objeto_auditado: str | None = None
    """What the audit trail calls this view's records (`empresa`, `nota`…); None: nothing here is audited."""
    escritor = None
    """The module of operations that writes this view's model (docs/arquitetura.md §8): the form is saved through
    its `novo`, `preencher_do_formulario` and `excluir`, never by Flask-Admin's own code. None: read-only."""
    filter_converter = ConversorDeFiltros()
    model_form_converter = ConversorDeCampos
    column_type_formatters_detail = formatos.DETALHES
    column_type_formatters_export = formatos.EXPORTACAO

    @property
    def can_create(self) -> bool:
        return escreve() and not self.somente_leitura and self.escritor is not None

    @property
    def can_edit(self) -> bool:
        return escreve() and not self.somente_leitura and self.escritor is not None

    @property
    def can_delete(self) -> bool:
        return escreve() and not self.somente_leitura and self.escritor is not None

    def is_action_allowed(self, name):
        """Bulk actions change records: writers only (a view may open one to support, as replay)."""
        return escreve() and super().is_action_allowed(name)

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

    def _get_list_extra_args(self):
        """Page, sort and filter values from the URL; any the list cannot use (an unknown enum name, a date like
        2026-13-45, a page beyond any count) is a bad request answered in words, never a server error."""
        try:
            argumentos = super()._get_list_extra_args()
        except (LookupError, ValueError, TypeError, OverflowError):
            abort(400, description=FILTRO_INVALIDO)
        if argumentos.page is not None and not 0 <= argumentos.page <= MAIOR_PAGINA:
            abort(400, description="Página inexistente.")
        return argumentos

    def get_list(self, *args, **kwargs):
        try:
            return super().get_list(*args, **kwargs)
        except (sa.exc.StatementError, OverflowError) as erro:
            if not _valor_recusado(erro):
                raise
            db.session.rollback()
            abort(400, description=FILTRO_INVALIDO)

    def get_export_value(self, model, name):
        """Every exported cell, from a WhatsApp description or a razão social alike, stays text in a spreadsheet."""
        return celula_segura(super().get_export_value(model, name))

    def _export_csv(self, return_url):
        """The list as a spreadsheet for Excel pt-BR (`;`, UTF-8 BOM, decimal comma), streamed."""
        _, registros = self._export_data()
        colunas = self._export_columns
        linhas = ([self.get_export_value(r, nome) for nome, _ in colunas] for r in registros)
        nome = self.get_export_name(export_type="csv")
        return Response(
            stream_with_context(linhas_csv([titulo for _, titulo in colunas], linhas)),
            headers={"Content-Disposition": f'attachment; filename="{nome}"'},
            mimetype="text/csv; charset=utf-8",
        )

    def _on_model_change(self, form, model, is_created):
        """After the view's own checks, the act goes into the audit trail in the same transaction."""
        super()._on_model_change(form, model, is_created)
        if self.objeto_auditado is None:
            return
        mudancas = auditoria.mudancas(model, self.column_labels or {})
        if not is_created:
            mudancas |= auditoria.mudancas_dos_itens(model, self._colecoes_editadas(model))
        db.session.flush()  # a new record gets its id
        acao = "criar" if is_created else "editar"
        self.auditar(acao, model, f"{self.name}: {acao} {model}", mudancas)

    def _colecoes_editadas(self, model) -> dict:
        """The relationships this view edits inline, with the label of an item and of its columns."""
        relacoes = sa.inspect(type(model)).relationships
        colecoes = {}
        for modelo, opcoes in getattr(self, "inline_models", None) or ():
            chave = next(r.key for r in relacoes if r.mapper.class_ is modelo)
            colecoes[chave] = (opcoes.get("form_label", chave), opcoes.get("column_labels", {}))
        return colecoes

    def novo_registro(self, form):
        """The new record of a create form, made by the model's writer (a view may make it otherwise)."""
        return self.escritor.novo(self.model)

    def preencher(self, form, model) -> None:
        """The form's values onto the record, by the model's writer (a view whose checks clean them may not)."""
        self.escritor.preencher_do_formulario(form, model)

    def create_model(self, form):
        return self._salvar(form, None)

    def update_model(self, form, model):
        return self._salvar(form, model)

    def _salvar(self, form, model):
        """Flask-Admin's create/update, with every write made by the model's writer; this request commits."""
        criado = model is None
        try:
            with transacao():
                if criado:
                    model = self.novo_registro(form)
                self.preencher(form, model)
                self._on_model_change(form, model, criado)
        except Exception as erro:
            if not self.handle_view_exception(erro):
                modelo = "Failed to create record. %(error)s" if criado else "Failed to update record. %(error)s"
                flash(gettext(modelo, error=str(erro)), "error")
                log.exception("failed to save a %s", self.model.__name__)
            return False
        self.after_model_change(form, model, criado)
        return model if criado else True

    def delete_model(self, model):
        try:
            with transacao():
                self.on_model_delete(model)
                if self.objeto_auditado is not None:
                    self.auditar("excluir", model, f"{self.name}: excluir {model}")
                self.escritor.excluir(model)
        except Exception as erro:
            if not self.handle_view_exception(erro):
                flash(gettext("Failed to delete record. %(error)s", error=str(erro)), "error")
                log.exception("failed to delete a %s", self.model.__name__)
            return False
        self.after_model_delete(model)
        return True

    def auditar(self, acao: str, model, descricao: str, mudancas=None) -> None:
        """One line of the audit trail about `model`, by the logged-in user."""
        auditoria.registrar(
            db.session,
            acao,
            self.objeto_auditado,
            model.id,
            descricao,
            usuario=usuario(),
            contabilidade_id=_firma_de(model),
            mudancas=mudancas,
        )

    def historico(self, model) -> list[Auditoria]:
        """The audit trail of one record, newest first (details pages)."""
        if self.objeto_auditado is None:
            return []
        return db.session.scalars(
            sa.select(Auditoria)
            .where(Auditoria.objeto == self.objeto_auditado, Auditoria.objeto_id == model.id)
            .order_by(Auditoria.id.desc())
            .limit(50)
        ).all()

    def handle_view_exception(self, exc: Exception) -> bool:
        """A refusal is said in Portuguese; what the database refused is logged, never shown with its SQL."""
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        db.session.rollback()
        if isinstance(exc, sa.exc.IntegrityError):
            log.warning("admin %s: the database refused the change: %s", self.endpoint, exc.orig)
            flash(REPETIDO_OU_EM_USO, "error")
        elif isinstance(exc, sa.exc.SQLAlchemyError):
            log.error("admin %s: the database failed: %s", self.endpoint, exc)
            flash("O banco de dados não concluiu a operação; nada foi alterado. Tente de novo em instantes.", "error")
        else:
            log.exception("admin %s: unexpected failure", self.endpoint)
            flash("Algo deu errado do nosso lado e nada foi alterado; o erro ficou registrado para o suporte.", "error")
        return True

    def escopados(self, ids):
        """Reload the ids of a bulk action through the scoped query: ids of another firm simply vanish."""
        chave = self.model.__mapper__.primary_key[0]
        return self.get_query().filter(chave.in_([_inteiro(i) for i in ids])).all()


def _firma_de(model) -> int | None:
    """The firm a record belongs to, directly or through its empresa."""
    firma = getattr(model, "contabilidade_id", None)
    if firma is None and getattr(model, "empresa", None) is not None:
        firma = model.empresa.contabilidade_id
    return firma


MAIOR_ID = 2**63 - 1
MAIOR_PAGINA = 1_000_000
FILTRO_INVALIDO = "Filtro com valor inválido; ajuste o filtro e tente de novo."


def _valor_recusado(erro: Exception) -> bool:
    """Whether the driver could not bind a value from the URL, or the database refused it (out of range)."""
    if isinstance(erro, OverflowError | sa.exc.DataError):
        return True
    return isinstance(erro, sa.exc.StatementError) and isinstance(erro.orig, LookupError | ValueError | OverflowError)


def _inteiro(valor) -> int:
    """Primary keys arrive as text in URLs and forms; anything else (or beyond a BIGINT) is simply not found."""
    try:
        numero = int(valor)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < numero <= MAIOR_ID:
        abort(404)
    return numero
