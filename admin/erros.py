"""Error pages of the back-office in Portuguese (the bot's endpoints answer JSON of their own)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from agentnfe.extensions import db
from agentnfe.requisicao import sem_espaco

TITULOS = {
    400: ("Pedido inválido", "O endereço ou o formulário trouxe um valor que não pode ser usado."),
    403: ("Acesso negado", "Seu usuário não tem permissão para esta página."),
    404: ("Página não encontrada", "O endereço não existe ou o registro não está mais disponível."),
    405: ("Pedido inválido", "Esta página não aceita esse tipo de pedido."),
    413: ("Arquivo grande demais", "O envio passou do tamanho máximo aceito."),
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
    return render_template("erro.html", titulo=titulo, mensagem=mensagem), 503


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
    return render_template("erro.html", titulo=titulo, mensagem=mensagem), erro.code


def _em_portugues(erro: HTTPException) -> bool:
    """Descriptions given by our own abort() calls are Portuguese; Werkzeug's defaults are English."""
    return bool(erro.description) and erro.description != type(erro).description
