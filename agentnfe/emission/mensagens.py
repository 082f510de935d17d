"""What the bot tells the user about a note after it leaves the conversation (PT-BR)."""

from __future__ import annotations


def emitida(numero: str | None, codigo_verificacao: str | None, link: str, chave_acesso: str | None = None) -> str:
    codigo = f"\nCódigo de verificação: {codigo_verificacao}" if codigo_verificacao else ""
    chave = f"\nChave de acesso: {chave_acesso}" if chave_acesso else ""
    return f"✅ Nota emitida!\nNúmero: {numero}{codigo}{chave}\nPDF: {link}"


def rejeitada(motivo: str) -> str:
    return (
        f"❌ A prefeitura não autorizou a nota. Motivo: {motivo}\n"
        "Sua contabilidade já foi avisada e vai corrigir; se quiser, mande os dados de novo."
    )


def denegada(motivo: str) -> str:
    return (
        f"❌ A prefeitura negou a nota (denegada). Motivo: {motivo}\n"
        "Sua contabilidade já foi avisada e vai ver o que precisa ser regularizado."
    )


def atencao() -> str:
    return (
        "⚠️ A prefeitura ainda não confirmou a sua nota. Sua contabilidade foi avisada e vai verificar; "
        "assim que houver resposta eu te aviso. Não precisa pedir de novo."
    )


def erro(motivo: str) -> str:
    return f"⚠️ Não consegui emitir a nota: {motivo}. Sua contabilidade já foi avisada."


def cancelada(numero: str | None) -> str:
    return f"Nota nº {numero} cancelada."


def cancelada_fora(numero: str | None) -> str:
    return f"A nota nº {numero} foi cancelada na prefeitura. Sua contabilidade foi avisada."


def cancelamento_nao_concluido(numero: str | None, motivo: str) -> str:
    return (
        f"⚠️ O cancelamento da nota nº {numero} não foi concluído: {motivo}. A nota continua válida; "
        "sua contabilidade foi avisada."
    )


def certificado_vencendo(empresa: str, dias: int, data: str) -> str:
    return f"⚠️ O certificado digital A1 de {empresa} vence em {dias} dias ({data}). Fale com sua contabilidade para renovar."


def certificado_vencido(empresa: str, data: str) -> str:
    return f"⚠️ O certificado digital A1 de {empresa} venceu em {data}: as notas ficam bloqueadas até a renovação."
