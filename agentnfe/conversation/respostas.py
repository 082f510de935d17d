"""Every text the bot sends, in PT-BR: short, friendly, values the Brazilian way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from agentnfe.cadastros.perfis import PerfilEmpresa, PerfilServico

from ..fiscal import formatar_brl, formatar_documento, nome_municipio
from ..fiscal.incidencia import ONDE, Incidencia, Regra
from ..fiscal.iss import ISS
from ..models import Regime, StatusNFSe

EXEMPLO = "Exemplo: nota de R$ 1.500,00 para 12.345.678/0001-95, consultoria de março."

DESCONHECIDO = (
    "Olá! Este número não está autorizado a emitir notas por aqui. Se a sua empresa é atendida por uma "
    "contabilidade parceira, peça para ela cadastrar este telefone."
)
SO_TEXTO = "Por enquanto só entendo mensagens de texto. Pode escrever os dados da nota?"
AJUDA = (
    "Eu emito notas fiscais de serviço (NFS-e). Mande, numa mensagem ou em várias:\n"
    "• CNPJ ou CPF do cliente (tomador)\n• valor (ex.: R$ 1.500,00)\n• descrição do serviço\n"
    "Antes de emitir eu mostro um resumo para você confirmar.\n"
    "“nova nota” recomeça do zero e “cancelar” descarta o rascunho."
)
NOVA = "Certo, vamos começar uma nova nota. Mande o CNPJ ou CPF do cliente, o valor e o serviço prestado."
CANCELADO = "Tudo bem, descartei esse rascunho. Quando quiser emitir uma nota é só mandar os dados."
NADA_A_CANCELAR = "Não há nenhuma nota em andamento. Para emitir, mande o CNPJ/CPF do cliente, o valor e o serviço."
O_QUE_CORRIGIR = "Sem problema. O que você quer corrigir? Mande o valor, o CNPJ/CPF ou a descrição certos."
NAO_ENTENDI_CONFIRMACAO = "Não entendi. Responda “sim” para emitir, “não” para corrigir ou “cancelar” para descartar."
EMITINDO = "Perfeito! Estou emitindo a nota e te aviso assim que ela for autorizada."
EXPIROU = "O rascunho anterior expirou por falta de resposta, então comecei um novo. "
LIMITE = "Recebi muitas mensagens em pouco tempo. Aguarde um minuto e mande de novo, por favor."
ESCOLHA_INVALIDA = "Não encontrei essa opção. Responda com o número da lista."
PERGUNTA_NOME = "Qual o nome completo do cliente?"
NOME_INVALIDO = "Não entendi o nome. Qual o nome completo do cliente (pessoa ou empresa)?"
MOTIVO_CANCELAMENTO_INVALIDO = (
    "Não entendi. Qual o motivo do cancelamento?\n1) erro na emissão\n2) serviço não prestado\n3) outro motivo"
)
TEXTO_CANCELAMENTO = "Descreva o motivo em poucas palavras (pelo menos 15 letras); ele vai para a prefeitura."

PERGUNTAS = {
    "documento": "Qual o CNPJ ou CPF do cliente (tomador) da nota?",
    "valor": "Qual o valor da nota?",
    "descricao": "Qual serviço foi prestado? Essa é a descrição que vai na nota.",
}


def boas_vindas(empresa: PerfilEmpresa | None) -> str:
    quem = f" para {empresa.nome}" if empresa else ""
    return (
        f"Olá! Eu emito notas fiscais de serviço{quem}. Mande o CNPJ ou CPF do cliente, o valor e o serviço. {EXEMPLO}"
    )


def _anotei(recebido: list[str]) -> str:
    return f"Anotei {' e '.join(recebido)}. " if recebido else ""


def pergunta(faltando: list[str], recebido: list[str]) -> str:
    """Acknowledge what arrived and ask for the first missing field, one question at a time."""
    return _anotei(recebido) + PERGUNTAS[faltando[0]]


CEP_NAO_ENTENDIDO = "Não encontrei o CEP. Mande o CEP e o número do endereço do cliente, por exemplo: 01310-100, 1000."
FALTA_NUMERO = "Faltou o número. Mande o CEP e o número do endereço do cliente, por exemplo: 01310-100, 1000 (ou s/n)."


PERGUNTA_ENDERECO = (
    "Para esta nota o sistema nacional exige o endereço do cliente, e ele não está no cadastro. Mande o CEP e o "
    "número, por exemplo: 01310-100, 1000."
)


def pergunta_nome(recebido: list[str]) -> str:
    return _anotei(recebido) + PERGUNTA_NOME


def escolha_empresa(empresas: list[PerfilEmpresa]) -> str:
    linhas = "\n".join(f"{i}) {e.nome} ({formatar_documento(e.cnpj)})" for i, e in enumerate(empresas, 1))
    return f"Seu telefone atende mais de uma empresa. Para qual delas é a nota?\n{linhas}\nResponda com o número ou o nome."


def escolha_servico(servicos: list[PerfilServico], regime: Regime) -> str:
    linhas = "\n".join(f"{i}) {servico_texto(s, regime)}" for i, s in enumerate(servicos, 1))
    return f"Qual destes serviços é o da nota?\n{linhas}\nResponda com o número."


def percentual(aliquota: Decimal) -> str:
    return f"{aliquota.normalize():f}".replace(".", ",") + "%"


def servico_texto(servico: PerfilServico, regime: Regime) -> str:
    nome = f"{servico.codigo_servico} {servico.descricao}" if servico.descricao else servico.codigo_servico
    if regime in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL):
        return f"{nome} · ISS {percentual(servico.aliquota_iss)}"
    return nome


def linhas_iss(imposto: ISS, regime: Regime, valor: Decimal) -> list[str]:
    """How the ISS of the note reads in the espelho: rate, who pays it, the amount and what the prestador nets."""
    if regime is Regime.MEI:
        return ["ISS: pago no DAS (MEI), não vai na nota"]
    if imposto.aliquota is None and not imposto.retido:
        return ["ISS: pago no DAS (Simples Nacional), não retido"]
    if imposto.aliquota is None:
        return ["ISS: retido pelo tomador (alíquota do Simples a informar pela contabilidade)"]
    quem = "retido pelo tomador" if imposto.retido else "não retido"
    linhas = [f"ISS: {percentual(imposto.aliquota)} {quem} · {formatar_brl(imposto.valor)}"]
    if imposto.retido:
        linhas.append(f"Valor líquido: {formatar_brl(imposto.liquido(valor))}")
    return linhas


def avisos_do_espelho(situacao_cadastral: str | None, competencia: date, hoje: date) -> list[str]:
    """What the espelho warns about: a CNPJ not active at the Receita, a competência more than a month back."""
    avisos = []
    if situacao_cadastral and situacao_cadastral.upper() != "ATIVA":
        avisos.append(f"A situação cadastral deste CNPJ na Receita é {situacao_cadastral}.")
    if (hoje.year - competencia.year) * 12 + hoje.month - competencia.month > 1:
        avisos.append(
            f"A competência {competencia:%m/%Y} é de mais de um mês atrás; confira se é mesmo o mês do serviço."
        )
    return avisos


def espelho(
    empresa: PerfilEmpresa,
    servico: PerfilServico,
    documento: str,
    nome: str,
    valor: Decimal,
    descricao: str,
    competencia: date,
    imposto: ISS,
    avisos: list[str],
    devido: Incidencia,
    endereco: str | None = None,
    data_servico: date | None = None,
) -> str:
    """The mirror of the note shown before confirmation (`endereco`: the line of an address the user gave)."""
    nome_servico = f"{servico.codigo_servico} {servico.descricao}" if servico.descricao else servico.codigo_servico
    linhas = [
        "Confira a nota:",
        f"Prestador: {empresa.razao_social} ({formatar_documento(empresa.cnpj)})",
        f"Tomador: {nome} ({formatar_documento(documento)})",
        *([endereco] if endereco else []),
        f"Valor: {formatar_brl(valor)}",
        f"Descrição: {descricao}",
        f"Serviço: {nome_servico}",
        *linhas_iss(imposto, empresa.regime, valor),
        linha_incidencia(devido),
        f"Competência: {competencia:%m/%Y}",
        *([f"Data do serviço: {data_servico:%d/%m/%Y}"] if data_servico else []),
        *(f"⚠️ {aviso}" for aviso in avisos),
        "",
        "Confirma a emissão? (sim/não)",
    ]
    return "\n".join(linhas)


def linha_incidencia(devido: Incidencia) -> str:
    """`ISS devido em: Campinas/SP (local da prestação)` — where LC 116 art. 3º makes this service's ISS due."""
    if devido.regra is Regra.SEM_INCIDENCIA:
        return "ISS devido em: serviço sem incidência de ISS"
    if devido.municipio is None:
        return f"ISS devido em: {ONDE[devido.regra]} (não informado)"
    return f"ISS devido em: {nome_municipio(devido.municipio) or devido.municipio} ({ONDE[devido.regra]})"


def nota_nao_encontrada(numero: str) -> str:
    return f"Não encontrei uma nota autorizada com o número {numero} para a sua empresa. Confira o número."


def nota_em_varias_empresas(numero: str, empresas: list[str]) -> str:
    return (
        f"Há uma nota nº {numero} em mais de uma das suas empresas ({'; '.join(empresas)}). Para cancelar, comece "
        f'pela empresa: envie o nome dela e, escolhida a empresa, "cancelar nota {numero}".'
    )


def motivo_cancelamento(numero: str, valor: str, tomador: str) -> str:
    return (
        f"Nota nº {numero} de {valor} para {tomador}.\nQual o motivo do cancelamento?\n"
        "1) erro na emissão\n2) serviço não prestado\n3) outro motivo"
    )


def motivo_curto(minimo: int) -> str:
    return f"O motivo precisa de pelo menos {minimo} letras. Descreva um pouco mais o que aconteceu."


def motivo_longo(maximo: int) -> str:
    return f"O motivo pode ter no máximo {maximo} letras. Pode resumir?"


def confirmar_cancelamento(numero: str, codigo: str, motivo: str) -> str:
    return f"Confirma o cancelamento da nota nº {numero}?\nMotivo: {codigo} — {motivo}\n(sim/não)"


def cancelamento_pedido(numero: str) -> str:
    return f"Pedido de cancelamento da nota nº {numero} enviado. Te aviso quando a prefeitura confirmar."


def cancelamento_desistido(numero: str) -> str:
    return f"Certo, a nota nº {numero} continua válida."


_ANDAMENTO = {
    StatusNFSe.PENDENTE: "está sendo enviada para a prefeitura",
    StatusNFSe.ENVIADA: "foi enviada e aguarda a resposta da prefeitura",
    StatusNFSe.PROCESSANDO: "está em processamento na prefeitura",
    StatusNFSe.ATENCAO: "ainda não foi confirmada pela prefeitura; sua contabilidade está verificando",
}


def nota_em_andamento(status: StatusNFSe | None) -> str:
    """The answer to any message while the confirmed note is being emitted (only "nova nota" starts another)."""
    situacao = _ANDAMENTO.get(status, "já teve resposta da prefeitura; a mensagem com o resultado chega em instantes")
    return f"Sua nota {situacao}. Te aviso assim que sair. Para emitir outra enquanto isso, mande *nova nota*."
