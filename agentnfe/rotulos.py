"""How the firm reads the product's values: every closed vocabulary in Portuguese, dates and times in
AGENTNFE_TIMEZONE (dd/mm/aaaa hh:mm), competência as mm/aaaa, rates as `2,5 %`, municipalities by name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from agentnfe import planilha
from agentnfe.infra import relogio

from .fiscal import formatar_brl, nome_municipio
from .models.enums import (
    AcaoTentativa,
    Ambiente,
    Direcao,
    Envio,
    Estado,
    FonteTomador,
    NomeGateway,
    Papel,
    Provider,
    Regime,
    RegimeEspecial,
    SituacaoCancelamento,
    StatusNFSe,
    TipoDocumento,
    TipoMensagem,
)

ROTULOS: dict[type[Enum], dict[Enum, str]] = {
    Regime: {
        Regime.SIMPLES_NACIONAL: "Simples Nacional", Regime.LUCRO_PRESUMIDO: "Lucro Presumido",
        Regime.LUCRO_REAL: "Lucro Real", Regime.MEI: "MEI",
    },
    RegimeEspecial: {
        RegimeEspecial.NENHUM: "Nenhum", RegimeEspecial.ME_MUNICIPAL: "Microempresa municipal",
        RegimeEspecial.ESTIMATIVA: "Estimativa", RegimeEspecial.SOCIEDADE_PROFISSIONAIS: "Sociedade de profissionais",
        RegimeEspecial.COOPERATIVA: "Cooperativa", RegimeEspecial.MEI: "MEI",
        RegimeEspecial.ME_EPP_SIMPLES: "ME/EPP do Simples Nacional", RegimeEspecial.AUTONOMO: "Profissional autônomo",
        RegimeEspecial.NOTARIO_REGISTRADOR: "Notário ou registrador", RegimeEspecial.OUTROS: "Outros",
    },
    StatusNFSe: {
        StatusNFSe.PENDENTE: "Pendente", StatusNFSe.ENVIADA: "Enviada", StatusNFSe.PROCESSANDO: "Em processamento",
        StatusNFSe.CONCLUIDA: "Autorizada", StatusNFSe.REJEITADA: "Rejeitada", StatusNFSe.ERRO: "Erro",
        StatusNFSe.ATENCAO: "Requer atenção", StatusNFSe.CANCELADA: "Cancelada",
    },
    Estado: {
        Estado.COLETA: "Coletando dados", Estado.DADOS_INCOMPLETOS: "Dados incompletos",
        Estado.ESCOLHA_EMPRESA: "Escolhendo a empresa", Estado.CONFIRMACAO: "Aguardando confirmação",
        Estado.EMITINDO: "Emitindo", Estado.CONCLUIDA: "Concluída", Estado.CANCELADA: "Cancelada",
        Estado.EXPIRADA: "Expirada",
    },
    Provider: {
        Provider.EVOLUTION: "WhatsApp (Evolution)", Provider.META: "WhatsApp (Meta)", Provider.API: "API",
        Provider.SIMULADOR: "Simulador",
    },
    Papel: {Papel.ADMIN: "Administrador", Papel.CONTADOR: "Contador", Papel.SUPORTE: "Suporte"},
    Ambiente: {Ambiente.HOMOLOGACAO: "Homologação (testes)", Ambiente.PRODUCAO: "Produção"},
    NomeGateway: {
        NomeGateway.MOCK: "Simulação (sem valor fiscal)", NomeGateway.PLUGNOTAS: "PlugNotas",
        NomeGateway.NACIONAL: "Emissor nacional (Sefin Nacional)",
    },
    FonteTomador: {
        FonteTomador.BRASILAPI: "Receita (BrasilAPI)", FonteTomador.MANUAL: "Manual", FonteTomador.WHATSAPP: "WhatsApp",
    },
    Direcao: {Direcao.ENTRADA: "Recebida", Direcao.SAIDA: "Enviada"},
    TipoMensagem: {
        TipoMensagem.TEXTO: "Texto", TipoMensagem.AUDIO: "Áudio", TipoMensagem.IMAGEM: "Imagem",
        TipoMensagem.DOCUMENTO: "Documento", TipoMensagem.OUTRO: "Outro",
    },
    Envio: {Envio.PENDENTE: "Pendente", Envio.ENVIADA: "Entregue", Envio.FALHOU: "Não entregue"},
    SituacaoCancelamento: {
        SituacaoCancelamento.SOLICITADO: "Solicitado", SituacaoCancelamento.ACEITO: "Aceito",
        SituacaoCancelamento.RECUSADO: "Recusado", SituacaoCancelamento.SEM_RESPOSTA: "Sem resposta",
    },
    AcaoTentativa: {
        AcaoTentativa.EMITIR: "Emitir", AcaoTentativa.CONSULTAR: "Consultar", AcaoTentativa.REEMITIR: "Reemitir",
        AcaoTentativa.CANCELAR: "Cancelar",
    },
    TipoDocumento: {TipoDocumento.CPF: "CPF", TipoDocumento.CNPJ: "CNPJ"},
}  # fmt: skip


def rotulo(valor: Enum) -> str:
    """The Portuguese name of a value of any of the domain's vocabularies."""
    return ROTULOS[type(valor)][valor]


def opcoes(vocabulario: type[Enum]) -> list[tuple[str, str]]:
    """(stored value, Portuguese name) pairs for a select or a filter."""
    return [(valor.value, nome) for valor, nome in ROTULOS[vocabulario].items()]


def data_hora(instante: datetime | None) -> str:
    """`27/11/2026 15:52` in AGENTNFE_TIMEZONE; stored timestamps without a zone are UTC."""
    if instante is None:
        return ""
    return f"{relogio.local(instante):%d/%m/%Y %H:%M}"


def data(dia: date | None) -> str:
    return f"{dia:%d/%m/%Y}" if dia else ""


def competencia(dia: date | None) -> str:
    return f"{dia:%m/%Y}" if dia else ""


def aliquota(percentual: Decimal | None) -> str:
    """`2,5 %`, `5 %`, `4,54 %`: a rate as the firm writes it."""
    return "" if percentual is None else planilha.numero(Decimal(percentual).normalize()) + " %"


def dolares(valor: Decimal) -> str:
    """`US$ 1.234,56`: a dollar amount written as a Brazilian reads numbers (the LLM's estimated cost)."""
    return "US$ " + formatar_brl(valor).removeprefix("R$").strip()


def municipio(codigo: str | None) -> str:
    """`3550308 · São Paulo/SP`, or the bare code when the IBGE table does not know it."""
    if not codigo:
        return ""
    nome = nome_municipio(codigo)
    return f"{codigo} · {nome}" if nome else codigo


def sim_nao(valor: bool | None) -> str:
    return "" if valor is None else "Sim" if valor else "Não"


def texto(valor) -> str:
    """Any stored value as a line of text the firm reads (audit trail, spreadsheets)."""
    if valor is None:
        return ""
    if isinstance(valor, Enum):
        return rotulo(valor)
    if isinstance(valor, bool):
        return sim_nao(valor)
    if isinstance(valor, datetime):
        return data_hora(valor)
    if isinstance(valor, date):
        return data(valor)
    if isinstance(valor, Decimal):
        return planilha.numero(valor.normalize())
    return str(valor)
