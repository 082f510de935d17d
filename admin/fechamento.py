"""The month-end package in the back-office: choose the empresa (or all of the firm's) and the month, follow the
background job, download each ZIP."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField
from flask_wtf import FlaskForm

from agentnfe.fiscal import CompetenciaInvalida, parse_competencia
from agentnfe.infra import relogio, trabalhos
from agentnfe.models import Empresa
from tasks import fechamento

from .acesso import PaginaProtegida, contabilidade_id, escreve, usuario
from .views.comum import EscolheEmpresa

TODAS = "todas"


class FormFechamento(FlaskForm):
    empresa = AjaxSelectField(
        EscolheEmpresa.empresas, "Empresa", allow_blank=True, blank_text="Todas as empresas ativas"
    )


class Fechamento(EscolheEmpresa, PaginaProtegida):
    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = FormFechamento(request.form if request.method == "POST" else None)
        mes_passado = (relogio.hoje().replace(day=1) - timedelta(days=1)).replace(day=1)
        if request.method == "POST":
            if not escreve():
                abort(403)
            try:
                mes = parse_competencia(request.form.get("competencia", ""))
            except CompetenciaInvalida:
                flash("Competência inválida: use mm/aaaa, por exemplo 10/2026.", "error")
                return self.render("admin/fechamento.html", form=form, competencia=request.form.get("competencia"))
            trabalho = fechamento.iniciar(contabilidade_id(), usuario().email, self._escolhidas(form), mes)
            return redirect(url_for(".acompanhar", trabalho=trabalho))
        return self.render("admin/fechamento.html", form=form, competencia=f"{mes_passado:%m/%Y}")

    def _escolhidas(self, form: FormFechamento) -> list[int]:
        """The chosen empresa, or every active empresa of the firm; 404 for one the user may not pick."""
        if request.form.get("empresa", TODAS) not in ("", TODAS):
            if form.empresa.data is None:
                abort(404)
            return [form.empresa.data.id]
        ids = [linha.id for linha in self.empresas.get_query().with_entities(Empresa.id).order_by(None)]
        if not ids:
            abort(404)
        return ids

    def _do_usuario(self, trabalho: str) -> dict:
        estado = trabalhos.ler(trabalho)
        firma = contabilidade_id()
        if estado is None or (firma is not None and estado["contabilidade_id"] != firma):
            abort(404)
        return estado

    @expose("/<trabalho>/")
    def acompanhar(self, trabalho: str):
        return self.render("admin/fechamento_andamento.html", trabalho=trabalho, estado=self._do_usuario(trabalho))

    @expose("/<trabalho>/<nome>")
    def baixar(self, trabalho: str, nome: str):
        self._do_usuario(trabalho)
        arquivo = trabalhos.arquivo(trabalho, nome)
        if arquivo is None or not arquivo.is_file():
            abort(404)
        return send_file(arquivo, mimetype="application/zip", as_attachment=True, download_name=nome)
