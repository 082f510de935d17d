"""Registers of a firm: empresas and their fiscal profile, authorized phones, tomadores."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, url_for
from flask_admin.actions import action
from flask_admin.helpers import is_form_submitted
from sqlalchemy.orm import joinedload, undefer
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired

from agentnfe import rotulos
from agentnfe.cadastros import convenios, empresas
from agentnfe.fiscal.regras_nacionais import APURACOES
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import transacao
from agentnfe.models import (
    Contabilidade,
    Empresa,
    NFSe,
    NomeGateway,
    ServicoEmpresa,
    Sessao,
    UsuarioEmpresa,
)

from .. import validacao
from ..acesso import Escopada, contabilidade_id, usuario
from ..campos import CampoAliquota, CampoTelefone
from ..filtros import url_filtrada, vista
from .comum import (
    AMBIENTES,
    GATEWAYS,
    REGIMES,
    REGIMES_ESPECIAIS,
    EmpresasDaFirma,
    PorEmpresa,
    cnpj_valido,
    documento_formatado,
    endereco_resumido,
    validade,
)


def _firma_do_operador() -> int:
    """An operator without a firm creating an empresa files it under the first firm (there is one at least)."""
    primeira = db.session.scalar(sa.select(Contabilidade.id).order_by(Contabilidade.id))
    if primeira is None:
        raise ValidationError("Crie uma contabilidade antes (python -m agentnfe create-contabilidade).")
    return primeira


def _atalhos_da_empresa(empresa_id: int) -> dict[str, str]:
    from flask_admin.contrib.sqla import filters

    return {
        "notas": url_filtrada(vista("notas"), ("Empresa (código)", filters.IntEqualFilter, str(empresa_id))),
        "conversas": url_filtrada(vista("sessoes"), ("Empresa", filters.IntEqualFilter, str(empresa_id))),
        "emitir": url_for("emitir.index", empresa=empresa_id),
    }


class EmpresaView(Escopada):
    objeto_auditado = "empresa"
    escritor = empresas
    details_template = "admin/empresa_detalhes.html"
    column_list = (
        "cnpj",
        "razao_social",
        "codigo_municipio",
        "uf",
        "regime",
        "logradouro",
        "certificado_ate",
        "telefones_ativos",
        "ativa",
    )
    column_labels = {
        "cnpj": "CNPJ", "razao_social": "Razão social", "nome_fantasia": "Nome fantasia", "codigo_municipio": "Município (IBGE)",
        "uf": "UF", "regime": "Regime", "certificado_ate": "Certificado até", "telefones_ativos": "Telefones",
        "ativa": "Ativa", "inscricao_municipal": "Inscrição municipal", "cep": "CEP", "email": "E-mail",
        "contabilidade": "Contabilidade", "servicos": "Serviços", "telefones": "Telefones autorizados",
        "logradouro": "Endereço", "numero": "Número", "complemento": "Complemento", "bairro": "Bairro",
        "telefone": "Telefone da empresa", "regime_especial": "Regime especial", "incentivo_fiscal": "Incentivo fiscal",
        "aliquota_simples_iss": "Alíquota efetiva do Simples (ISS, %)", "ambiente": "Ambiente de emissão",
        "aliquota_simples_total": "Alíquota total efetiva do Simples (PGDAS-D, %)",
        "apuracao_simples": "Apuração do Simples (regApTribSN)",
        "percentual_tributos_federais": "Tributos federais aproximados (%)",
        "percentual_tributos_estaduais": "Tributos estaduais aproximados (%)",
        "percentual_tributos_municipais": "Tributos municipais aproximados (%)",
        "serie_rps": "Série do RPS", "numero_rps": "Próximo número do RPS", "gateway": "Emissão por",
        "serie_dps": "Série da DPS (emissor nacional)", "numero_dps": "Próximo número da DPS (emissor nacional)",
        "cadastrada_gateway_em": "Cadastrada no gateway em",
    }  # fmt: skip
    column_descriptions = {
        "aliquota_simples_iss": "Só Simples Nacional: a alíquota efetiva do mês anterior, usada quando o tomador retém o ISS.",
        "aliquota_simples_total": "Só Simples Nacional (ME/EPP): a alíquota efetiva total do PGDAS-D, atualizada todo mês. A nota nacional a informa (pTotTribSN) e não sai sem ela.",
        "apuracao_simples": "Só Simples Nacional: 2 ou 3 quando a receita passou do sublimite e o ISS é apurado fora do Simples.",
        "percentual_tributos_federais": "Só lucro presumido ou real (Lei 12.741/2012). Vazio: 11,33% no presumido, 9,25% no real (PIS/COFINS; IRPJ e CSLL do lucro real não entram).",
        "percentual_tributos_estaduais": "Só lucro presumido ou real. Vazio: 0% (serviços não pagam ICMS).",
        "percentual_tributos_municipais": "Só lucro presumido ou real. Vazio: a alíquota do ISS da nota.",
        "numero_rps": "Informado ao gateway quando a empresa é cadastrada lá (continua a sequência da prefeitura).",
        "gateway": "Vazio: o padrão do sistema. Emissor nacional só para municípios conveniados (veja o README).",
        "numero_dps": "Continua a sequência já usada no Emissor Nacional web, se a empresa emitia por lá.",
    }  # fmt: skip
    column_details_list = (
        "cnpj", "razao_social", "nome_fantasia", "inscricao_municipal", "codigo_municipio", "uf", "logradouro",
        "numero", "complemento", "bairro", "cep", "email", "telefone", "regime", "regime_especial", "incentivo_fiscal",
        "aliquota_simples_iss", "aliquota_simples_total", "apuracao_simples", "percentual_tributos_federais",
        "percentual_tributos_estaduais", "percentual_tributos_municipais", "ambiente", "gateway", "serie_rps",
        "numero_rps", "serie_dps", "numero_dps", "cadastrada_gateway_em", "ativa",
    )  # fmt: skip
    column_formatters = {"cnpj": documento_formatado, "certificado_ate": validade, "logradouro": endereco_resumido}
    column_searchable_list = ("cnpj", "razao_social")
    column_filters = ("regime", "ativa", "uf")
    column_default_sort = "razao_social"
    form_columns = (
        "cnpj", "razao_social", "nome_fantasia", "inscricao_municipal", "codigo_municipio", "uf", "logradouro", "numero",
        "complemento", "bairro", "cep", "email", "telefone", "regime", "regime_especial", "incentivo_fiscal",
        "aliquota_simples_iss", "aliquota_simples_total", "apuracao_simples", "percentual_tributos_federais",
        "percentual_tributos_estaduais", "percentual_tributos_municipais", "ambiente", "gateway", "serie_rps",
        "numero_rps", "serie_dps", "numero_dps", "ativa",
    )  # fmt: skip
    form_extra_fields = {
        "cnpj": StringField("CNPJ", validators=[DataRequired("Informe o CNPJ."), cnpj_valido]),
        # typed as people type them ("01310-100", "2,79"); agentnfe.cadastros.validacao cleans and checks them
        "cep": StringField("CEP"),
        "telefone": StringField("Telefone da empresa"),
        "aliquota_simples_iss": CampoAliquota("Alíquota efetiva do Simples (ISS, %)"),
        "aliquota_simples_total": CampoAliquota("Alíquota total efetiva do Simples (PGDAS-D, %)"),
        "percentual_tributos_federais": CampoAliquota("Tributos federais aproximados (%)"),
        "percentual_tributos_estaduais": CampoAliquota("Tributos estaduais aproximados (%)"),
        "percentual_tributos_municipais": CampoAliquota("Tributos municipais aproximados (%)"),
    }
    form_overrides = {
        "regime": SelectField, "regime_especial": SelectField, "ambiente": SelectField, "gateway": SelectField,
        "apuracao_simples": SelectField,
    }  # fmt: skip
    form_args = {
        "regime": {"choices": REGIMES},
        "regime_especial": {"choices": REGIMES_ESPECIAIS, "default": "nenhum"},
        "ambiente": {"choices": AMBIENTES, "default": "homologacao"},
        "gateway": {"choices": [("", "Padrão do sistema"), *GATEWAYS]},
        "apuracao_simples": {"choices": [(str(int(a)), rotulo) for a, rotulo in APURACOES.items()], "default": "1"},
    }
    inline_models = (
        (
            ServicoEmpresa,
            {
                "form_columns": (
                    "id",
                    "codigo_servico",
                    "descricao",
                    "aliquota_iss",
                    "iss_retido",
                    "palavras_chave",
                    "cnae",
                    "codigo_tributacao_municipal",
                    "codigo_tributacao_nacional",
                    "nbs",
                    "cst_ibscbs",
                    "cclass_trib",
                    "cind_op",
                    "padrao",
                ),
                "form_label": "Serviço",
                "form_extra_fields": {
                    "aliquota_iss": CampoAliquota("Alíquota do ISS (%)"),
                    "cnae": StringField("CNAE"),
                    "codigo_tributacao_nacional": StringField("Código de tributação nacional (6 dígitos)"),
                    "nbs": StringField("NBS (9 dígitos)"),
                    "cst_ibscbs": StringField("CST do IBS/CBS"),
                    "cclass_trib": StringField("cClassTrib do IBS/CBS"),
                    "cind_op": StringField("Indicador da operação do IBS/CBS (cIndOp)"),
                },
                "column_labels": {
                    "codigo_servico": "Item da LC 116 (ex. 01.07)",
                    "descricao": "Descrição",
                    "aliquota_iss": "Alíquota do ISS (%)",
                    "iss_retido": "ISS retido pelo tomador",
                    "palavras_chave": "Palavras-chave",
                    "cnae": "CNAE",
                    "codigo_tributacao_municipal": "Código de tributação municipal",
                    "codigo_tributacao_nacional": "Código de tributação nacional (6 dígitos)",
                    "nbs": "NBS (9 dígitos)",
                    "cst_ibscbs": "CST do IBS/CBS",
                    "cclass_trib": "cClassTrib do IBS/CBS",
                    "cind_op": "Indicador da operação do IBS/CBS (cIndOp)",
                    "padrao": "Padrão",
                },  # fmt: skip
            },
        ),
        (
            UsuarioEmpresa,
            {
                "form_columns": ("id", "telefone", "nome", "ativo"),
                "form_label": "Telefone autorizado",
                "form_extra_fields": {"telefone": CampoTelefone("Telefone (WhatsApp)")},
                "column_labels": {"telefone": "Telefone (WhatsApp)", "nome": "Nome", "ativo": "Ativo"},
            },
        ),
    )

    def filtrar(self, query, contabilidade):
        return query.filter(Empresa.contabilidade_id == contabilidade)

    def get_query(self):
        return super().get_query().options(undefer(Empresa.telefones_ativos), undefer(Empresa.certificado_ate))

    def render(self, template, **kwargs):
        """The empresa's page: its latest notes and conversations beside the registration, with links to all."""
        if template == self.details_template and kwargs.get("model") is not None:
            empresa = kwargs["model"]
            kwargs["notas"] = db.session.scalars(
                sa.select(NFSe).where(NFSe.empresa_id == empresa.id).order_by(NFSe.id.desc()).limit(10)
            ).all()
            kwargs["conversas"] = db.session.scalars(
                sa.select(Sessao).where(Sessao.empresa_id == empresa.id).order_by(Sessao.atualizado_em.desc()).limit(10)
            ).all()
            kwargs["atalhos"] = _atalhos_da_empresa(empresa.id)
        return super().render(template, **kwargs)

    def on_model_delete(self, model):
        if db.session.scalar(sa.select(NFSe.id).where(NFSe.empresa_id == model.id).limit(1)) is not None:
            raise ValidationError(
                f"{model.razao_social} tem notas emitidas e não pode ser excluída; desative-a (ação “Desativar”)."
            )

    @action("desativar", "Desativar", "Desativar as empresas selecionadas? Os telefones delas deixam de emitir.")
    def desativar(self, ids):
        self._ativar(ids, False)

    @action("reativar", "Reativar", "Reativar as empresas selecionadas?")
    def reativar(self, ids):
        self._ativar(ids, True)

    def _ativar(self, ids, ativa: bool) -> None:
        acao = "reativar" if ativa else "desativar"
        with transacao():
            escolhidas = self.escopados(ids)
            for empresa in escolhidas:
                mudancas = {"Ativa": [rotulos.sim_nao(empresa.ativa), rotulos.sim_nao(ativa)]}
                empresas.ativar(empresa, ativa)
                self.auditar(acao, empresa, f"{self.name}: {acao} {empresa}", mudancas)
        flash(f"{len(escolhidas)} empresa(s) {'reativada' if ativa else 'desativada'}(s).", "success")

    def validate_form(self, form):
        """The CSV import's rules, with each problem beside its field."""
        valido = super().validate_form(form)
        if not hasattr(form, "regime") or not is_form_submitted():
            return valido
        g.empresa_limpa = validacao.empresa(form)
        return valido and g.empresa_limpa is not None

    def on_model_change(self, form, model, is_created):
        valores = {campo: valor for campo, valor in (g.get("empresa_limpa") or {}).items() if campo != "cnpj"}
        if is_created:
            valores["contabilidade_id"] = contabilidade_id() or usuario().contabilidade_id or _firma_do_operador()
        empresas.preencher(model, valores)
        empresas.harmonizar(model)
        empresas.limpar_servicos(model)

    def after_model_change(self, form, model, is_created):
        """An empresa on the national emitter whose município's convênio nobody read today: a task reads it with
        the empresa's certificate (the request never waits on the national system) and tells the firm if inactive."""
        from tasks.nacional import check_convenio

        if model.gateway is NomeGateway.NACIONAL and convenios.conhecido(model.codigo_municipio) is convenios.NAO_LIDO:
            check_convenio(model.id)


class TelefoneView(PorEmpresa):
    objeto_auditado = "telefone"
    escritor = empresas
    column_list = ("empresa", "telefone", "nome", "ativo")
    column_details_list = column_list
    column_labels = {"empresa": "Empresa", "telefone": "Telefone", "nome": "Nome", "ativo": "Ativo"}
    column_searchable_list = ("telefone", "nome")
    form_columns = ("empresa", "telefone", "nome", "ativo")
    form_extra_fields = {
        "telefone": CampoTelefone("Telefone (WhatsApp)", validators=[InputRequired("Informe o telefone.")])
    }
    form_ajax_refs = {"empresa": EmpresasDaFirma("empresa")}
    form_args = {"empresa": {"validators": [DataRequired("Escolha a empresa.")]}}

    def get_query(self):
        return super().get_query().options(joinedload(UsuarioEmpresa.empresa))
