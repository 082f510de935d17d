"""Notes: the list, corrections before a new send, replay, cancellation, the XML and the notes stuck processing."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_admin.helpers import is_form_submitted
from markupsafe import Markup
from sqlalchemy.orm import Query, joinedload
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired

from agentnfe import rotulos
from agentnfe.emission import registro
from agentnfe.emission.apuracao import divergencias
from agentnfe.emission.links import link_pdf
from agentnfe.emission.notas import CORRIGIVEIS, NotaNaoCorrigivel, corrigir
from agentnfe.fiscal import (
    formatar_documento,
)
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao
from agentnfe.models import (
    NFSe,
    Papel,
    StatusNFSe,
)

from .. import validacao
from ..acesso import LEITURA_E_REPLAY, Escopada, escreve, usuario
from ..campos import CampoCompetencia, CampoDinheiro
from ..filtros import CompetenciaIgual, PeriodoLocal
from .comum import (
    CORES_STATUS,
)


def _status(view, context, model, name):
    return Markup('<span class="badge badge-{}">{}</span>').format(
        CORES_STATUS[model.status.value], rotulos.rotulo(model.status)
    )


TOTAIS = (
    ("Autorizadas", (StatusNFSe.CONCLUIDA,)),
    ("Canceladas", (StatusNFSe.CANCELADA,)),
    ("Rejeitadas ou com erro", (StatusNFSe.REJEITADA, StatusNFSe.ERRO, StatusNFSe.ATENCAO)),
    ("Em andamento", (StatusNFSe.PENDENTE, StatusNFSe.ENVIADA, StatusNFSe.PROCESSANDO)),
)
"""Groups of situations the notes list totals apart (their sums never mix)."""


class ContagemComTotais(Query):
    """The list's count query carrying the filtered notes' totals in the same statement: `scalar()`, which
    Flask-Admin reads for the pager, keeps the whole row for the totals line."""

    def scalar(self):
        linha = self.one()
        g.totais_notas = linha
        return linha[0]


def _apurado(view, context, model, name):
    """The rate Sefin applied, flagged when the authorized note differs from its espelho (apuracao.divergencias)."""
    if model.aliquota_aplicada is None:
        return ""
    diferencas = divergencias(model)
    texto = rotulos.aliquota(model.aliquota_aplicada)
    if not diferencas:
        return texto
    return Markup('{} <span class="badge badge-warning" title="{}">difere do espelho</span>').format(
        texto, "; ".join(diferencas)
    )


def _pdf(view, context, model, name):
    """The authorized note's PDF (the signed link users get); nothing for a note not authorized."""
    if model.status is not StatusNFSe.CONCLUIDA:
        return ""
    return Markup('<a href="{}" target="_blank" rel="noopener">PDF</a>').format(link_pdf(model.id_integracao))


def _tomador(view, context, model, name):
    """The name the note went out with (its snapshot), else the registry's, else the document."""
    tomador = model.tomador
    if tomador is None:
        return ""
    return (model.tomador_dados or {}).get("nome") or tomador.razao_social or formatar_documento(tomador.documento)


class NotaView(Escopada):
    objeto_auditado = "nota"
    escritor = registro
    papeis = (Papel.ADMIN, Papel.CONTADOR)
    details_template = "admin/nota_detalhes.html"
    list_template = "admin/notas_lista.html"
    column_list = (
        "numero", "criado_em", "competencia", "empresa", "tomador", "tomador.documento", "valor", "status", "pdf",
    )  # fmt: skip
    column_labels = {
        "numero": "Número", "criado_em": "Criada em", "empresa": "Empresa", "tomador": "Tomador", "valor": "Valor",
        "status": "Situação", "descricao": "Descrição", "competencia": "Competência", "aliquota_iss": "Alíquota ISS",
        "iss_retido": "ISS retido", "mensagem_erro": "Mensagem do gateway", "id_integracao": "Id de integração",
        "codigo_verificacao": "Código de verificação", "chave_acesso": "Chave de acesso", "gateway": "Emitida por",
        "serie_dps": "Série da DPS", "numero_dps": "Número da DPS", "emitida_em": "Autorizada em", "empresa.cnpj": "CNPJ da empresa",
        "tomador.documento": "Documento do tomador", "pdf": "PDF", "tomador.razao_social": "Razão social do tomador",
        "codigo_municipio_prestacao": "Município da prestação (IBGE)", "cancelamento_situacao": "Cancelamento",
        "cancelamento_motivo": "Motivo do cancelamento", "empresa.razao_social": "Empresa",
        "municipio_incidencia": "ISS devido em (Sefin)", "base_calculo": "Base de cálculo (Sefin)",
        "aliquota_aplicada": "Alíquota aplicada (Sefin)", "valor_iss": "ISS apurado (Sefin)",
        "valor_retido": "Total retido (Sefin)", "valor_liquido": "Valor líquido (Sefin)",
    }  # fmt: skip
    column_descriptions = {
        "codigo_municipio_prestacao": "Onde o serviço foi prestado; fora do município da empresa o ISS é devido lá.",
        "iss_retido": "Se o tomador retém o ISS. A alíquota segue o regime da empresa (Simples: a alíquota efetiva).",
        "aliquota_aplicada": "O que o emissor nacional calculou na nota autorizada; o fechamento usa estes valores.",
    }  # fmt: skip
    column_formatters = {
        "status": _status, "tomador": _tomador, "aliquota_aplicada": _apurado, "pdf": _pdf,
        "tomador.documento": lambda _v, _c, model, _n: formatar_documento(model.tomador.documento) if model.tomador else "",
        "municipio_incidencia": lambda _v, _c, model, _n: rotulos.municipio(model.municipio_incidencia),
    }  # fmt: skip
    column_formatters_export = {"tomador": _tomador}
    column_sortable_list = ("numero", "criado_em", "competencia", "valor", "status")
    column_searchable_list = ("numero", "tomador.razao_social", "tomador.documento", "empresa.cnpj")
    column_filters = (
        filters.FilterEqual(NFSe.status, "Situação", options=rotulos.opcoes(StatusNFSe)),
        filters.IntEqualFilter(NFSe.empresa_id, "Empresa (código)"),
        CompetenciaIgual(NFSe.competencia, "Competência"),
        "empresa.razao_social",
        PeriodoLocal(NFSe.criado_em, "Período"),
        filters.FilterInList(NFSe.status, "Situação", options=rotulos.opcoes(StatusNFSe)),
    )
    column_default_sort = ("criado_em", True)
    column_details_list = (
        "numero", "status", "empresa", "tomador", "valor", "descricao", "competencia", "codigo_municipio_prestacao",
        "aliquota_iss", "iss_retido", "municipio_incidencia", "base_calculo", "aliquota_aplicada", "valor_iss",
        "valor_retido", "valor_liquido", "codigo_verificacao", "chave_acesso", "gateway", "serie_dps", "numero_dps",
        "emitida_em", "id_integracao", "mensagem_erro",
        "cancelamento_situacao", "cancelamento_motivo", "criado_em",
    )  # fmt: skip
    can_export = True
    column_export_list = (
        "numero", "criado_em", "competencia", "empresa", "tomador", "tomador.documento", "valor", "status", "descricao",
        "id_integracao",
    )  # fmt: skip
    form_columns = ("nome_tomador", "descricao", "valor", "iss_retido", "competencia", "codigo_municipio_prestacao")
    form_extra_fields = {
        "valor": CampoDinheiro("Valor (R$)", validators=[InputRequired("Informe o valor.")]),
        "competencia": CampoCompetencia("Competência (mm/aaaa)", validators=[InputRequired("Informe a competência.")]),
        "nome_tomador": StringField(
            "Nome do tomador nesta nota",
            description="Vazio: o nome do cadastro do tomador. Cada nota guarda o nome com que foi pedida.",
        ),
    }

    @property
    def can_create(self):
        return False

    @property
    def can_delete(self):
        return False

    def filtrar(self, query, contabilidade):
        return query.filter(NFSe.contabilidade_id == contabilidade)

    def get_count_query(self):
        """The pager's count, with the totals of each group of situations (TOTAIS) in the same statement."""
        iss = sa.func.round(NFSe.valor * sa.func.coalesce(NFSe.aliquota_iss, 0) / 100, 2)
        colunas = [sa.func.count(NFSe.id)]
        for _, situacoes in TOTAIS:
            dentro = NFSe.status.in_(situacoes)
            colunas += [
                sa.func.count(NFSe.id).filter(dentro),
                sa.func.coalesce(sa.func.sum(NFSe.valor).filter(dentro), 0),
                sa.func.coalesce(sa.func.sum(iss).filter(dentro), 0),
            ]
        return self.escopo(ContagemComTotais(colunas, session=db.session()).select_from(NFSe))

    def totais(self) -> dict | None:
        """The notes the list's filters and search select (all pages): their count, and per group of situations
        the count, value and ISS — authorized apart from cancelled and from rejected, never one sum of all."""
        linha = g.get("totais_notas")
        if linha is None:
            return None
        centavos = Decimal("0.01")
        grupos = []
        for indice, (rotulo, _) in enumerate(TOTAIS):
            notas, valor, iss = linha[1 + 3 * indice : 4 + 3 * indice]
            if notas:
                iss = Decimal(str(iss)).quantize(centavos) if indice == 0 else None  # ISS only of authorized notes
                grupos.append({"rotulo": rotulo, "notas": int(notas), "valor": Decimal(str(valor)).quantize(centavos),
                               "iss": iss})  # fmt: skip
        return {"notas": int(linha[0]), "grupos": grupos}

    def editavel(self, nota: NFSe) -> bool:
        """Only a note not yet accepted can be corrected (then replayed)."""
        return self.can_edit and nota.status in CORRIGIVEIS

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        nota = self.get_one(request.args.get("id"))
        if not self.editavel(nota):
            flash(f"A nota {nota} está {rotulos.rotulo(nota.status).lower()} e não pode mais ser corrigida.", "warning")
            return redirect(url_for(".details_view", id=nota.id))
        return super().edit_view()

    def get_query(self):
        return super().get_query().options(joinedload(NFSe.empresa), joinedload(NFSe.tomador))

    def validate_form(self, form):
        valido = super().validate_form(form)
        if not hasattr(form, "codigo_municipio_prestacao") or not is_form_submitted():
            return valido
        erros = {}
        municipio = (form.codigo_municipio_prestacao.data or "").strip()
        if municipio and not re.fullmatch(r"\d{7}", municipio):
            erros["codigo_municipio_prestacao"] = "Use o código IBGE do município, 7 dígitos (ex. 3550308)."
        competencia = form.competencia.data
        if competencia and competencia.replace(day=1) > relogio.hoje().replace(day=1):
            erros["competencia"] = "A competência não pode ser depois do mês atual."
        if form.valor.data is not None and form.valor.data <= 0:
            erros["valor"] = "O valor precisa ser maior que zero."
        return validacao.marcar(form, erros) and valido

    def on_form_prefill(self, form, id):
        nota = self.get_one(id)
        form.nome_tomador.data = (nota.tomador_dados or {}).get("nome") or ""

    def on_model_change(self, form, model, is_created):
        try:
            corrigir(model, form.nome_tomador.data)
        except NotaNaoCorrigivel as erro:
            raise ValidationError(str(erro)) from None

    def is_action_allowed(self, name):
        if name == "reemitir":
            return escreve() or (usuario() is not None and usuario().role in LEITURA_E_REPLAY)
        return super().is_action_allowed(name)

    @action("reemitir", "Reemitir", "Reprocessar as notas selecionadas (consulta o gateway antes de reenviar)?")
    def reemitir(self, ids):
        self._reemitir(ids)

    @expose("/reemitir/", methods=["POST"])
    def reemitir_uma(self):
        """The note page's Reemitir button: the bulk action for one note (CSRF-checked like every admin form)."""
        if not self.is_action_allowed("reemitir"):
            abort(403)
        nota_id = request.form.get("id", "")
        self._reemitir([nota_id])
        return redirect(url_for(".details_view", id=nota_id))

    def _reemitir(self, ids):
        from tasks.emissao import replay_nfse

        with transacao():
            notas = [n for n in self.escopados(ids) if n.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA)]
            for nota in notas:
                self.auditar("reemitir", nota, f"Notas: reemitir {nota} ({rotulos.rotulo(nota.status)})")
        for nota in notas:
            replay_nfse(nota.id, "admin", usuario().id)
        ignoradas = len(ids) - len(notas)
        flash(
            f"{len(notas)} nota(s) enviada(s) para reprocessamento; {ignoradas} ignorada(s) (autorizadas ou canceladas).",
            "success",
        )

    @action(
        "cancelar", "Cancelar nota autorizada", "Cancelar as notas autorizadas selecionadas (o motivo vem a seguir)?"
    )
    def cancelar(self, ids):
        notas = [n for n in self.escopados(ids) if n.status is StatusNFSe.CONCLUIDA]
        if not notas:
            flash(
                "Nenhuma das notas selecionadas está autorizada: só notas autorizadas podem ser canceladas.", "warning"
            )
            return None
        return redirect(url_for(".cancelamento", ids=",".join(str(n.id) for n in notas)))

    @expose("/cancelamento/", methods=["GET", "POST"])
    def cancelamento(self):
        """Cancel authorized notes with the code and the reason the accountant chooses (sent to the city hall)."""
        from agentnfe.fiscal import cancelamento
        from tasks.emissao import cancel_nfse

        if not escreve():
            abort(403)
        ids = [i for i in (request.values.get("ids") or "").split(",") if i.strip()]
        notas = [n for n in self.escopados(ids) if n.status is StatusNFSe.CONCLUIDA]
        if not notas:
            abort(404)
        erro = None
        if request.method == "POST":
            try:
                codigo, motivo = cancelamento.validar(request.form.get("codigo"), request.form.get("motivo"))
            except cancelamento.CancelamentoInvalido as invalido:
                erro = str(invalido)
            else:
                texto = cancelamento.CODIGOS[codigo]
                with transacao():
                    for nota in notas:
                        self.auditar("cancelar", nota, f"Notas: cancelar {nota} — código {codigo} ({texto}): {motivo}")
                for nota in notas:
                    cancel_nfse(nota.id, codigo, motivo, "admin", usuario().id)
                flash(
                    f"Cancelamento pedido para {len(notas)} nota(s); a confirmação da prefeitura aparece na nota.",
                    "success",
                )
                return redirect(url_for(".index_view"))
        return self.render(
            "admin/nota_cancelamento.html",
            notas=notas,
            ids=",".join(str(n.id) for n in notas),
            codigos=cancelamento.CODIGOS,
            erro=erro,
            minimo=cancelamento.MOTIVO_MINIMO,
            maximo=cancelamento.MOTIVO_MAXIMO,
        )

    @expose("/xml/")
    def xml(self):
        """The authorized note's XML, fetched from the gateway with the API key (scoped like every view)."""
        from agentnfe.emission.gateways import GatewayIndisponivel, GatewayRecusou, gateway_da_nota

        nota = self.get_one(request.args.get("id"))
        if not nota.gateway_id or nota.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA):
            abort(404)
        nota_id, gateway_id, nome = nota.id, nota.gateway_id, f"NFS-e {nota.numero or nota.id}.xml"
        gateway = gateway_da_nota(nota)
        sem_transacao()  # no transaction stays open during the gateway call
        try:
            conteudo = gateway.xml(gateway_id)
        except (GatewayIndisponivel, GatewayRecusou) as erro:
            flash(f"O gateway não entregou o XML agora: {erro}", "error")
            return redirect(url_for(".details_view", id=nota_id))
        return Response(
            conteudo, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{nome}"'}
        )

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            nota = kwargs["model"]
            kwargs["tentativas"] = nota.tentativas
            kwargs["link_pdf"] = link_pdf(nota.id_integracao) if nota.status is StatusNFSe.CONCLUIDA else None
            kwargs["pode_cancelar"] = escreve() and nota.status is StatusNFSe.CONCLUIDA
            kwargs["pode_corrigir"] = self.editavel(nota)
            parada = nota.status not in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA)
            kwargs["pode_reemitir"] = parada and self.is_action_allowed("reemitir")
        return super().render(template, **kwargs)


class NotaParadaView(NotaView):
    """Notes processing for more than an hour: what support looks at first."""

    @staticmethod
    def _paradas(consulta):
        limite = relogio.agora() - timedelta(hours=1)
        return consulta.filter(
            NFSe.status.in_((StatusNFSe.PROCESSANDO, StatusNFSe.ENVIADA)), NFSe.atualizado_em < limite
        )

    def get_query(self):
        return self._paradas(super().get_query())

    def get_count_query(self):
        return self._paradas(super().get_count_query())
