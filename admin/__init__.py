"""Flask-Admin back-office for accountants and support staff: login, tenant scoping, dashboard, tools."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from agentnfe.infra.extensions import babel, db, login_manager
from agentnfe.models import (
    Auditoria,
    Certificado,
    ClienteTomador,
    Empresa,
    EmpresaClienteTomador,
    Mensagem,
    NFSe,
    Sessao,
    User,
    UsuarioEmpresa,
)

from . import auth, erros, formatos, tema
from .emitir import EmitirNota
from .fechamento import Fechamento
from .paginas import ImportarEmpresas, Simulador
from .painel import Painel
from .views.auditoria import AuditoriaView
from .views.cadastros import EmpresaView, TelefoneView
from .views.certificados import CertificadoView
from .views.conversas import NaoEntregueView, SessaoView
from .views.notas import NotaParadaView, NotaView
from .views.tomadores import TomadorEmpresaView, TomadorView
from .views.usuarios import UsuarioView


def init_app(app: Flask) -> None:
    """Login, PT-BR, and the admin views (CSRF on every form is set up by the app factory)."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Entre para continuar."
    babel.init_app(app, locale_selector=lambda: "pt_BR")
    app.register_blueprint(auth.bp)
    app.register_blueprint(tema.bp)
    erros.init_app(app)
    formatos.registrar_filtros(app)
    admin = Admin(
        app,
        name="AgentNFe",
        theme=Bootstrap4Theme(swatch="flatly"),
        index_view=Painel(name="Painel", url="/admin"),
        translations_path=str(Path(__file__).with_name("traducoes")),
    )
    admin.add_view(EmpresaView(Empresa, db, name="Empresas", category="Cadastros", endpoint="empresas"))
    admin.add_view(
        TelefoneView(UsuarioEmpresa, db, name="Telefones autorizados", category="Cadastros", endpoint="telefones")
    )
    admin.add_view(
        CertificadoView(Certificado, db, name="Certificados A1", category="Cadastros", endpoint="certificados")
    )
    admin.add_view(
        TomadorEmpresaView(
            EmpresaClienteTomador, db, name="Tomadores das empresas", category="Cadastros", endpoint="tomadores_empresa"
        )
    )
    admin.add_view(
        TomadorView(
            ClienteTomador, db, name="Cadastro da Receita (tomadores)", category="Cadastros", endpoint="tomadores"
        )
    )
    admin.add_view(ImportarEmpresas(name="Importar empresas (CSV)", category="Cadastros", endpoint="importar"))
    admin.add_view(NotaView(NFSe, db, name="Notas", category="Notas", endpoint="notas"))
    admin.add_view(EmitirNota(name="Emitir nota", category="Notas", endpoint="emitir"))
    admin.add_view(Fechamento(name="Fechamento do mês", category="Notas", endpoint="fechamento"))
    admin.add_view(
        NotaParadaView(NFSe, db, name="Paradas em processamento", category="Notas", endpoint="notas_paradas")
    )
    admin.add_view(SessaoView(Sessao, db, name="Conversas", endpoint="sessoes"))
    admin.add_view(NaoEntregueView(Mensagem, db, name="Não entregues", endpoint="nao_entregues"))
    admin.add_view(Simulador(name="Simulador", endpoint="simulador"))
    admin.add_view(UsuarioView(User, db, name="Usuários", endpoint="usuarios"))
    admin.add_view(AuditoriaView(Auditoria, db, name="Auditoria", endpoint="auditoria"))
