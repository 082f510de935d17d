"""Issuing a note from the back-office: the same facts the bot asks for, the same espelho before confirming, the
same emission service and task after."""

from __future__ import annotations

import hashlib
import re

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from agentnfe import auditoria
from agentnfe.cadastros.perfis import PerfilEmpresa, aliquota_vigente, perfil
from agentnfe.conversation import respostas
from agentnfe.conversation.endereco import completo, do_cep
from agentnfe.conversation.endereco import ler as ler_endereco
from agentnfe.conversation.endereco import linha as linha_endereco
from agentnfe.conversation.tomador import TomadorConhecido, conhecer, incidencia_do_rascunho
from agentnfe.emission.dps import endereco_exigido
from agentnfe.emission.notas import PedidoNota, criar_nota, tributacao
from agentnfe.fiscal import DocumentoInvalido, formatar_brl, formatar_documento, incidencia, parse_documento
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import Empresa, TipoDocumento

from . import validacao
from .acesso import PaginaProtegida, escreve, usuario
from .campos import CampoCompetencia, CampoDinheiro
from .views.comum import EscolheEmpresa


class FormNota(FlaskForm):
    empresa = AjaxSelectField(EscolheEmpresa.empresas, "Empresa", validators=[DataRequired("Escolha a empresa.")])
    servico = SelectField("Serviço", coerce=int, validators=[Optional()])
    documento = StringField("CPF ou CNPJ do tomador", validators=[InputRequired("Informe o CPF ou o CNPJ.")])
    nome = StringField("Nome do tomador", description="Obrigatório para CPF, quando ainda não conhecido.")
    valor = CampoDinheiro("Valor (R$)", validators=[InputRequired("Informe o valor.")])
    descricao = TextAreaField("Descrição do serviço", validators=[InputRequired("Descreva o serviço.")])
    competencia = CampoCompetencia("Competência (mm/aaaa)", validators=[Optional()])
    cep = StringField("CEP do tomador", description="Só quando a nota nacional exige o endereço e o cadastro não tem.")
    numero = StringField("Número")
    logradouro = StringField("Rua", description="Preenchida pelo CEP quando ele já foi consultado.")
    bairro = StringField("Bairro")
    codigo_municipio = StringField("Município (código IBGE)")


ENDERECO = ("cep", "numero", "logradouro", "bairro", "codigo_municipio")


def _impressao(pedido: PedidoNota) -> str:
    """What the espelho showed, as a short digest: a confirmation counts only for the note it mirrored."""
    return hashlib.sha256(repr(pedido).encode()).hexdigest()[:32]


class EmitirNota(EscolheEmpresa, PaginaProtegida):
    @expose("/", methods=["GET", "POST"])
    def index(self):
        if not escreve():
            abort(403)
        form = FormNota(request.form if request.method == "POST" else None)
        if request.method == "GET" and "empresa" in request.args:
            form.empresa.data = self.empresas.get_one(request.args["empresa"])
        empresa = form.empresa.data  # an active empresa of the user's firm, or None
        servicos = empresa.servicos if empresa else []
        form.servico.choices = [(s.id, f"{s.codigo_servico} {s.descricao or ''}".strip()) for s in servicos]
        espelho = conferido = None
        if request.method == "POST" and empresa is not None:
            perfil_da_empresa = perfil(empresa)
            lido = self._pedido(form, perfil_da_empresa)
            if lido is not None:
                pedido, conhecido = lido
                conferido = _impressao(pedido)
                if request.form.get("confirmar") and request.form.get("conferido") == conferido:  # after this espelho
                    return self._emitir(pedido, empresa)
                espelho = self._espelho(pedido, perfil_da_empresa, conhecido)
        return self.render("admin/emitir.html", form=form, espelho=espelho, conferido=conferido)

    def _pedido(self, form: FormNota, empresa: PerfilEmpresa) -> tuple[PedidoNota, TomadorConhecido] | None:
        """The note the form describes and what is known of its tomador, or None with each problem beside its
        field."""
        valido = form.validate()
        erros = {}
        try:
            documento = parse_documento(form.documento.data or "")
        except DocumentoInvalido as erro:
            erros["documento"] = str(erro)
            documento = None
        servico = next((s for s in empresa.servicos if s.id == form.servico.data), None)
        servico = servico or next((s for s in empresa.servicos if s.padrao), None)
        if servico is None:
            erros["servico"] = "A empresa não tem serviço cadastrado; cadastre um na ficha da empresa."
        competencia = form.competencia.data or relogio.hoje().replace(day=1)
        if competencia > relogio.hoje().replace(day=1):
            erros["competencia"] = "A competência não pode ser depois do mês atual."
        nome = form.nome.data.strip() if form.nome.data else None
        conhecido = conhecer(empresa.id, documento.numero) if documento else None
        conhecido_nome = conhecido and (conhecido.nome_vinculo or conhecido.razao_social)
        if documento and documento.tipo is TipoDocumento.CPF and not (nome or conhecido_nome):
            erros["nome"] = "Informe o nome do tomador: a Receita não informa nomes de CPF."
        elif documento and not (nome or conhecido_nome):  # a CNPJ the Receita was not asked about yet (or failed)
            from tasks.emissao import lookup_cnpj

            lookup_cnpj(documento.numero)
            erros["nome"] = (
                "Ainda não tenho o nome deste CNPJ na Receita: espere alguns segundos e clique em Ver espelho de novo, "
                "ou informe o nome do tomador."
            )
        retido = conhecido.iss_retido(servico, empresa) if conhecido and servico else False
        endereco = self._endereco(form, empresa, servico, documento, retido, conhecido, erros)
        if not validacao.marcar(form, erros) or not valido:
            return None
        devido = incidencia_do_rascunho(empresa, servico, conhecido, endereco)
        pedido = PedidoNota.para(
            empresa,
            servico,
            aliquota=aliquota_vigente(empresa, servico, devido.municipio),
            documento=documento.numero,
            tipo_documento=documento.tipo,
            nome_tomador=nome or conhecido_nome or None,
            valor=form.valor.data,
            descricao=" ".join(form.descricao.data.split()),
            competencia=competencia,
            iss_retido=retido,
            endereco=endereco,
        )
        return pedido, conhecido

    @staticmethod
    def _endereco(form, empresa, servico, documento, retido, conhecido, erros) -> dict | None:
        """The tomador's address a national note needs (E0235, E0237, E0234) when nobody has it: CEP and number,
        the street from the CEP's lookup when it was made (else asked in a task, never in this request) or typed."""
        if not (empresa.nacional and servico and documento and conhecido) or conhecido.endereco_completo:
            return None
        regra = incidencia.regra(servico.codigo_tributacao_nacional, servico.codigo_servico)
        if not endereco_exigido(documento.numero, retido, regra is incidencia.Regra.TOMADOR):
            return None
        cep, _ = ler_endereco(form.cep.data or "")
        numero = " ".join((form.numero.data or "").split())[:20]
        if cep is None or not numero:
            erros["cep" if cep is None else "numero"] = (
                "A nota nacional exige o endereço deste tomador e o cadastro não tem: informe o CEP e o número."
            )
            return None
        dado = do_cep(cep, numero)
        if not completo(dado):
            digitado = {c: " ".join((getattr(form, c).data or "").split()) for c in ("logradouro", "bairro")}
            codigo = (form.codigo_municipio.data or "").strip()
            if not (digitado["logradouro"] and digitado["bairro"] and re.fullmatch(r"[0-9]{7}", codigo)):
                from tasks.emissao import lookup_cep

                lookup_cep(cep)
                erros["logradouro"] = (
                    "Ainda não consultei este CEP: espere alguns segundos e clique em Ver espelho de novo, ou preencha "
                    "rua, bairro e o código IBGE do município."
                )
                return None
            dado |= {**digitado, "codigo_municipio": codigo}
        for campo in ("logradouro", "bairro", "codigo_municipio"):
            getattr(form, campo).data = dado.get(campo)
        return dado

    @staticmethod
    def _espelho(pedido: PedidoNota, empresa: PerfilEmpresa, conhecido: TomadorConhecido) -> list[str]:
        """The bot's espelho and warnings, line by line, without its WhatsApp question."""
        servico = next(s for s in empresa.servicos if s.id == pedido.servico_id)
        imposto = tributacao(
            pedido.regime, pedido.aliquota_servico, pedido.aliquota_simples_iss, pedido.iss_retido, pedido.valor,
            pedido.apuracao_simples,
        )  # fmt: skip
        avisos = respostas.avisos_do_espelho(conhecido.situacao_cadastral, pedido.competencia, relogio.hoje())
        devido = incidencia_do_rascunho(empresa, servico, conhecido, pedido.endereco)
        texto = respostas.espelho(
            empresa, servico, pedido.documento, pedido.nome_tomador or "nome pela Receita, na emissão", pedido.valor,
            pedido.descricao,
            pedido.competencia, imposto, avisos, devido, linha_endereco(pedido.endereco) if pedido.endereco else None,
        )  # fmt: skip
        return [linha for linha in texto.splitlines()[1:] if linha and not linha.startswith("Confirma")]

    def _emitir(self, pedido: PedidoNota, empresa: Empresa):
        from tasks.emissao import emit_nfse

        with transacao():
            nota = criar_nota(pedido)
            db.session.flush()
            tomador = pedido.nome_tomador or formatar_documento(pedido.documento)
            auditoria.registrar(
                db.session, "emitir", "nota", nota.id,
                f"Nota emitida pelo painel: {empresa.razao_social} para {tomador}, {formatar_brl(nota.valor)}: "
                f"{pedido.descricao[:80]}",
                usuario=usuario(), contabilidade_id=empresa.contabilidade_id,
            )  # fmt: skip
        emit_nfse(nota.id)
        flash("Nota enviada para emissão; a situação aparece aqui e na lista de notas.", "success")
        return redirect(url_for("notas.details_view", id=nota.id))
