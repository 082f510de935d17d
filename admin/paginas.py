"""Admin pages that are not model lists: chat simulator and CSV import of empresas."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose

from agentnfe import planilha
from agentnfe.cadastros import lotes
from agentnfe.cadastros.importacao import OPTIONAL, REQUIRED, ArquivoIlegivel, CabecalhoInvalido, decodificar, prever
from agentnfe.conversation.api import conversar
from agentnfe.conversation.engine import do_canal
from agentnfe.fiscal import TelefoneInvalido, formatar_telefone, normalizar_telefone
from agentnfe.infra import trabalhos
from agentnfe.infra.extensions import db
from agentnfe.infra.requisicao import json_do_corpo
from agentnfe.models import Contabilidade, Empresa, Mensagem, Sessao, UsuarioEmpresa
from tasks.conversa import despachar
from tasks.importacao import importar_empresas

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


class ImportarEmpresas(PaginaProtegida):
    """The CLI's CSV import from the browser: a preview (first rows, row errors, what would change) before
    anything is stored; a large file is then imported in the worker with progress."""

    @expose("/", methods=["GET", "POST"])
    def index(self):
        if request.method == "POST":
            if not escreve():
                abort(403)
            if request.form.get("trabalho"):
                return self._confirmar(request.form["trabalho"])
            return self._previa(request.files.get("arquivo"))
        return self.render("admin/importar.html")

    def render(self, template, **kwargs):
        return super().render(template, obrigatorias=",".join(REQUIRED), opcionais=",".join(OPTIONAL), **kwargs)

    @expose("/modelo")
    def modelo(self):
        """Every column the import reads, in the contract's order, with one example row (Excel pt-BR: `;`)."""
        exemplo = {
            "contabilidade": usuario().contabilidade.nome if usuario().contabilidade else "Minha Contabilidade",
            "cnpj": "11.222.333/0001-81", "razao_social": "Exemplo Consultoria Ltda", "inscricao_municipal": "1234567",
            "codigo_municipio": "3550308", "uf": "SP", "regime": "simples_nacional", "codigo_servico": "01.07",
            "aliquota_iss": "2,5", "telefones": "11 98765-4321", "cep": "01310-100", "logradouro": "Av. Paulista",
            "numero": "1000", "bairro": "Bela Vista", "regime_especial": "nenhum", "aliquota_simples_total": "6,0",
            "apuracao_simples": "1",
        }  # fmt: skip
        colunas = [*REQUIRED, *OPTIONAL]
        corpo = "".join(planilha.linhas_csv(colunas, [[exemplo.get(c, "") for c in colunas]]))
        return Response(
            corpo, mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="modelo-importacao-empresas.csv"'},
        )  # fmt: skip

    def _previa(self, arquivo):
        if arquivo is None or not arquivo.filename:
            flash("Escolha um arquivo CSV.", "error")
            return self.render("admin/importar.html")
        try:
            texto, aviso = decodificar(arquivo.read())
        except ArquivoIlegivel as erro:
            flash(str(erro), "error")
            return self.render("admin/importar.html")
        try:
            previa = prever(texto, db.session, _somente())
        except CabecalhoInvalido as erro:
            flash(str(erro), "error")
            return self.render("admin/importar.html")
        trabalho = lotes.guardar(texto, contabilidade_id(), usuario().id, arquivo.filename, aviso)
        return self.render("admin/importar.html", previa=previa, trabalho=trabalho, aviso=aviso)

    def _do_usuario(self, trabalho: str) -> dict:
        estado = trabalhos.ler(trabalho)
        if estado is None or estado.get("tipo") != "importacao" or estado["usuario_id"] != usuario().id:
            abort(404)
        return estado

    def _confirmar(self, trabalho: str):
        self._do_usuario(trabalho)
        no_worker = lotes.iniciar(trabalho)
        if no_worker:
            importar_empresas(trabalho)
        elif no_worker is False:
            lotes.executar(trabalho)
        return redirect(url_for(".acompanhar", trabalho=trabalho))

    @expose("/<trabalho>/")
    def acompanhar(self, trabalho: str):
        return self.render("admin/importar_andamento.html", estado=self._do_usuario(trabalho))


def _somente() -> Contabilidade | None:
    """An accountant imports only into their own firm (the operator into any)."""
    return db.session.get(Contabilidade, contabilidade_id()) if contabilidade_id() is not None else None
