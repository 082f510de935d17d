"""Admin pages that are not model lists: chat simulator and CSV import of empresas."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, jsonify, request
from flask_admin import expose

from agentnfe import auditoria
from agentnfe.conversation.api import conversar
from agentnfe.conversation.engine import do_canal
from agentnfe.extensions import db
from agentnfe.fiscal import TelefoneInvalido, formatar_telefone, normalizar_telefone
from agentnfe.importacao import CabecalhoInvalido, importar_empresas
from agentnfe.models import Contabilidade, Empresa, Mensagem, Sessao, UsuarioEmpresa
from agentnfe.requisicao import json_do_corpo
from tasks.conversa import despachar

from .acesso import PaginaProtegida, contabilidade_id, escreve, usuario


def _telefones() -> list[tuple[str, str]]:
    """Authorized phones of the user's firm, as (number, label)."""
    consulta = (
        sa.select(UsuarioEmpresa.telefone, UsuarioEmpresa.nome, Empresa.razao_social)
        .join(Empresa, Empresa.id == UsuarioEmpresa.empresa_id)
        .where(UsuarioEmpresa.ativo, Empresa.ativa)
        .order_by(Empresa.razao_social, UsuarioEmpresa.telefone)
        .limit(500)
    )
    contabilidade = contabilidade_id()
    if contabilidade is not None:
        consulta = consulta.where(Empresa.contabilidade_id == contabilidade)
    vistos: dict[str, str] = {}
    for telefone, nome, razao in db.session.execute(consulta):
        vistos.setdefault(telefone, f"{formatar_telefone(telefone)} · {nome or 'sem nome'} · {razao}")
    return list(vistos.items())


class Simulador(PaginaProtegida):
    """Talk to the bot as an authorized phone of the firm, through the real engine, in the user's own
    conversations (provider `simulador`): it sees and acts only for the user's firm's empresas."""

    @expose("/")
    def index(self):
        telefones = _telefones()
        escolhido = request.args.get("telefone") or (telefones[0][0] if telefones else None)
        historico = []
        if escolhido in dict(telefones):
            sessao = db.session.scalars(
                sa.select(Sessao).where(*do_canal(escolhido, usuario().id)).order_by(Sessao.id.desc())
            ).first()
            if sessao is not None:
                historico = db.session.scalars(
                    sa.select(Mensagem).where(Mensagem.sessao_id == sessao.id).order_by(Mensagem.id)
                ).all()
        return self.render("admin/simulador.html", telefones=telefones, escolhido=escolhido, historico=historico)

    @expose("/enviar", methods=["POST"])
    def enviar(self):
        if not escreve():
            abort(403)
        corpo = json_do_corpo() or {}
        try:
            telefone = normalizar_telefone(str(corpo.get("telefone") or ""))
        except TelefoneInvalido as erro:
            return jsonify({"error": str(erro)}), 400
        texto = str(corpo.get("mensagem") or "").strip()
        if not texto:
            return jsonify({"error": "Escreva uma mensagem."}), 400
        if telefone not in dict(_telefones()):
            abort(403)
        resultado = conversar(telefone, texto, usuario_id=usuario().id)
        despachar(resultado)
        return jsonify(
            {"resposta": "\n\n".join(resultado.textos), "estado": resultado.estado.value if resultado.estado else None}
        )


def _resumo_importacao(nome: str, resultado) -> str:
    return (
        f"Importação de empresas ({nome}): {resultado.criadas} criadas, {resultado.atualizadas} atualizadas, "
        f"{len(resultado.erros)} linhas com erro"
    )


class ImportarEmpresas(PaginaProtegida):
    """The CLI's CSV import, from the browser, with the same per-row errors."""

    @expose("/", methods=["GET", "POST"])
    def index(self):
        resultado = None
        if request.method == "POST":
            if not escreve():
                abort(403)
            arquivo = request.files.get("arquivo")
            if arquivo is None or not arquivo.filename:
                flash("Escolha um arquivo CSV.", "error")
            else:
                somente = db.session.get(Contabilidade, contabilidade_id()) if contabilidade_id() is not None else None
                try:
                    texto = io.TextIOWrapper(arquivo.stream, encoding="utf-8-sig", newline="")
                    resultado = importar_empresas(texto, db.session, somente)
                    auditoria.registrar(
                        db.session, "importar", "importacao", None, _resumo_importacao(arquivo.filename, resultado),
                        usuario=usuario(),
                    )  # fmt: skip
                    db.session.commit()
                except CabecalhoInvalido as erro:
                    db.session.rollback()
                    flash(str(erro), "error")
                except UnicodeDecodeError:
                    db.session.rollback()
                    flash("O arquivo não está em UTF-8. Salve o CSV como UTF-8 e tente de novo.", "error")
                else:
                    categoria = "warning" if resultado.erros else "success"
                    flash(
                        f"{resultado.criadas} empresas criadas, {resultado.atualizadas} atualizadas, {len(resultado.erros)} linhas com erro.",
                        categoria,
                    )
        return self.render("admin/importar.html", resultado=resultado)
