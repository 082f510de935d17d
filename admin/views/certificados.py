"""A1 certificates: upload (checked, encrypted, sent to the gateway), expiry at a glance."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, request
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_admin.model.fields import AjaxSelectField
from sqlalchemy.orm import joinedload
from wtforms import FileField, PasswordField
from wtforms.validators import DataRequired

from agentnfe.emission import certificados
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import Certificado

from ..acesso import escreve
from .comum import EmpresasDaFirma, PorEmpresa, documento_formatado, validade


class VenceEm30Dias(filters.BaseSQLAFilter):
    """Certificates that expire within the next 30 days (or already did)."""

    def __init__(self, column, name):
        super().__init__(column, name, options=(("sim", "sim"),))

    def apply(self, query, value, alias=None):
        return query.filter(self.column <= relogio.hoje() + timedelta(days=30))

    def operation(self):
        return "igual a"


class CertificadoView(PorEmpresa):
    """Upload form: the file and its password go straight to the parser; nothing secret is ever shown."""

    objeto_auditado = "certificado"
    escritor = certificados

    column_list = ("empresa", "titular", "cnpj", "valido_de", "valido_ate", "enviado_gateway_em")
    column_details_list = column_list
    column_export_list = column_list
    column_labels = {
        "empresa": "Empresa", "titular": "Titular", "cnpj": "CNPJ", "valido_de": "Válido de", "valido_ate": "Válido até",
        "enviado_gateway_em": "Enviado ao gateway",
    }  # fmt: skip
    column_formatters = {"cnpj": documento_formatado, "valido_ate": validade}
    column_default_sort = ("valido_ate", False)
    column_filters = (
        VenceEm30Dias(Certificado.valido_ate, "Vence em 30 dias"),
        filters.DateSmallerFilter(Certificado.valido_ate, "Vence até"),
        filters.DateGreaterFilter(Certificado.valido_ate, "Vence depois de"),
    )
    form_excluded_columns = ("arquivo", "senha")

    @property
    def can_edit(self):
        return False  # a certificate is replaced, never edited

    def get_query(self):
        return super().get_query().options(joinedload(Certificado.empresa))

    form_ajax_refs = {"empresa": EmpresasDaFirma("empresa")}

    def scaffold_form(self):
        from flask_admin.form import BaseForm

        class Form(BaseForm):
            empresa_id = AjaxSelectField(
                self._form_ajax_refs["empresa"], "Empresa", validators=[DataRequired("Escolha a empresa.")]
            )
            arquivo = FileField("Arquivo .pfx/.p12", validators=[DataRequired("Escolha o arquivo do certificado.")])
            senha = PasswordField("Senha do certificado", validators=[DataRequired("Informe a senha do certificado.")])

        return Form

    def create_model(self, form):
        empresa = form.empresa_id.data
        arquivo = request.files.get("arquivo")
        if empresa is None or arquivo is None:
            flash("Empresa ou arquivo inválido.", "error")
            return False
        try:
            with transacao():
                registro = certificados.adicionar(db.session, empresa, arquivo.read(), form.senha.data, relogio.hoje())
                db.session.flush()
                self.auditar(
                    "certificado",
                    registro,
                    f"Certificado A1 de {empresa.razao_social} ({registro.titular}), válido até "
                    f"{registro.valido_ate:%d/%m/%Y}, enviado",
                )
        except certificados.CertificadoInvalido as erro:
            flash(str(erro), "error")
            return False
        flash(f"Certificado de {registro.titular} válido até {registro.valido_ate:%d/%m/%Y} guardado.", "success")
        aviso = certificados.aviso_de_validade(registro, relogio.hoje())
        if aviso:
            flash(aviso, "warning")
        self._enviar([registro])
        return registro

    def _enviar(self, registros) -> None:
        """Hand the certificates to the gateway in a task (upload, then register or update the empresa)."""
        from agentnfe.emission.gateways import gateway_da_empresa
        from tasks.emissao import send_certificate

        registros = [registro for registro in registros if gateway_da_empresa(registro.empresa).recebe_certificado]
        if not registros:
            return
        for registro in registros:
            send_certificate(registro.id)
        flash(
            f"{len(registros)} certificado(s) a caminho do gateway; a coluna “Enviado ao gateway” mostra quando chegou "
            "e, se o gateway recusar, um aviso aparece no painel.",
            "info",
        )

    @action("gateway", "Reenviar ao gateway", "Enviar de novo os certificados selecionados ao gateway?")
    def reenviar(self, ids):
        if not escreve():
            abort(403)
        self._enviar(self.escopados(ids))
