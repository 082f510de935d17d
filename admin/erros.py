"""Error pages of the back-office in Portuguese (the bot's endpoints answer JSON of their own)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from agentnfe.infra.extensions import db
from agentnfe.infra.requisicao import sem_espaco

from .acesso import usuario

TITULOS = {
    400: ("Pedido inválido", "O endereço ou o formulário trouxe um valor que não pode ser usado."),
    403: ("Acesso negado", "Seu usuário não tem permissão para esta página."),
    404: ("Página não encontrada", "O endereço não existe ou o registro não está mais disponível."),
    405: ("Pedido inválido", "Esta página não aceita esse tipo de pedido."),
    413: ("Arquivo grande demais", "O envio passou do tamanho máximo aceito."),
    429: ("Muitas tentativas", "Foram muitas tentativas em pouco tempo; aguarde um minuto e tente de novo."),
    500: ("Erro inesperado", "Algo deu errado do nosso lado e foi registrado para a equipe de suporte. Tente de novo."),
    503: ("Serviço indisponível", "O sistema não conseguiu concluir agora; tente novamente em instantes."),
}
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _pagina)
    app.register_error_handler(sa.exc.OperationalError, _indisponivel)
    app.register_error_handler(OSError, _sem_espaco)


def _indisponivel(erro: Exception):
    """The database or the disk refused (full, read-only, unreachable): 503 and a page that says to try again."""
    log.error("storage unavailable for %s %s: %s", request.method, request.path, erro)
    db.session.rollback()
    titulo, mensagem = TITULOS[503]
    return _render(titulo, mensagem), 503


def _sem_espaco(erro: OSError):
    if not sem_espaco(erro):
        raise erro
    return _indisponivel(erro)


def _pagina(erro: HTTPException):
    """A Portuguese page for the admin and login; bot endpoints (JSON) and codes without a page pass through."""
    if request.blueprint == "bot" or erro.code not in TITULOS:
        return erro
    titulo, padrao = TITULOS[erro.code]
    if isinstance(erro, CSRFError):
        mensagem = "O formulário expirou; recarregue a página e tente de novo."
    else:
        mensagem = erro.description if _em_portugues(erro) else padrao
    return _render(titulo, mensagem), erro.code


def _render(titulo: str, mensagem: str) -> str:
    """Inside the back-office (menu and all) for a logged-in user on an admin page; the login layout otherwise."""
    if usuario() is not None and request.path.startswith("/admin"):
        painel = current_app.extensions["admin"][0].index_view
        return painel.render("admin/erro.html", titulo=titulo, mensagem=mensagem)
    return render_template("erro.html", titulo=titulo, mensagem=mensagem)


def _em_portugues(erro: HTTPException) -> bool:
    """Descriptions given by our own abort() calls are Portuguese; Werkzeug's defaults are English."""
    return bool(erro.description) and erro.description != type(erro).description
