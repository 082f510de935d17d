"""What each rejection code of the national NFS-e means for the people who act on it: the accountant (which
field of which page to fix) and the WhatsApp user (what happens next), in plain Portuguese.

Source: Anexo I of the Sistema Nacional NFS-e v1.00 (16/12/2025), sheet "RN DPS_NFS-e" (each code's rule and
message; the codes here are the ones a DPS of this product can meet), except E0713, a production rejection of
indTotTrib for não optantes reported in github nfse-nacional/nfse-php#34 and absent from Anexo I v1.00. A code
not listed is shown verbatim, as Sefin wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

EMPRESA = "Cadastros → Empresas → a empresa"
SERVICO = f"{EMPRESA} → Serviço"
TOMADOR = "Cadastros → Tomadores das empresas"


@dataclass(frozen=True)
class Explicacao:
    contabilidade: str
    """What it means and where to fix it in the back-office."""
    usuario: str | None = None
    """What the WhatsApp user is told; None: that the firm will correct the fiscal data."""


EXPLICACOES: dict[str, Explicacao] = {
    "E0008": Explicacao(
        "a data e hora de emissão ficou depois do processamento na Sefin: o relógio do computador do AgentNFe está "
        "adiantado. Acerte a hora do servidor e reemita a nota."
    ),
    "E0010": Explicacao(
        f"a série da DPS está fora da faixa do emissor próprio (00001 a 49999): corrija em {EMPRESA} → Série da DPS."
    ),
    "E0014": Explicacao(
        f"este número de DPS já gerou uma NFS-e (emitida por outro sistema, como o portal): em {EMPRESA} → Próximo "
        "número da DPS, avance para depois do último número usado e reemita."
    ),
    "E0160": Explicacao(
        f"o regime informado não confere com o cadastro do Simples Nacional no mês da competência: confira {EMPRESA} → "
        "Regime tributário."
    ),
    "E0174": Explicacao(f"MEI não tem regime especial de tributação: em {EMPRESA} → Regime especial, escolha Nenhum."),
    "E0175": Explicacao(
        f"empresa do Simples com apuração pelo Simples não tem regime especial do ISS: em {EMPRESA} → Regime especial, "
        "escolha Nenhum."
    ),
    "E0235": Explicacao(
        f"tomador identificado por CNPJ precisa de endereço na nota: preencha CEP, logradouro e número em {TOMADOR}.",
        "falta o endereço do cliente (tomador), que a contabilidade vai completar no cadastro",
    ),
    "E0237": Explicacao(
        f"com ISS retido, o endereço do tomador é obrigatório: preencha CEP, logradouro e número em {TOMADOR}.",
        "falta o endereço do cliente (tomador), que a contabilidade vai completar no cadastro",
    ),
    "E0312": Explicacao(
        f"o município de incidência do ISS não administra este código de tributação nacional: confira {SERVICO} → "
        "Código de tributação nacional (6 dígitos)."
    ),
    "E0583": Explicacao(f"MEI não tem ISS retido: desmarque ISS retido em {SERVICO} e no tomador ({TOMADOR})."),
    "E0588": Explicacao(
        f"empresa com regime especial do ISS não tem ISS retido: desmarque ISS retido em {SERVICO} e no tomador "
        f"({TOMADOR}), ou reveja {EMPRESA} → Regime especial."
    ),
    "E0595": Explicacao(f"a alíquota do ISS passa de 5 %: corrija {SERVICO} → Alíquota do ISS."),
    "E0600": Explicacao(f"nota de MEI não leva alíquota do ISS: confira {EMPRESA} → Regime tributário."),
    "E0604": Explicacao(
        f"empresa com regime especial do ISS não informa alíquota: reveja {EMPRESA} → Regime especial."
    ),
    "E0617": Explicacao(
        f"empresa fora do Simples não informa alíquota quando o município de incidência está no sistema nacional: "
        f"confira {EMPRESA} → Regime tributário."
    ),
    "E0621": Explicacao(
        f"empresa do Simples com ISS retido precisa informar a alíquota (a partir de 2 %): confira {EMPRESA} → Alíquota "
        "efetiva do Simples (ISS) e o ISS retido do serviço ou do tomador."
    ),
    "E0625": Explicacao(
        f"empresa do Simples sem ISS retido não informa alíquota: confira o ISS retido em {SERVICO} e no tomador "
        f"({TOMADOR})."
    ),
    "E0712": Explicacao(
        f"empresa ME/EPP não informa o indicador de tributos aproximados: confira {EMPRESA} → Regime tributário."
    ),
    "E0713": Explicacao(
        f"empresa fora do Simples não informa o indicador de tributos aproximados: confira {EMPRESA} → Regime tributário."
    ),
    "E0714": Explicacao(
        "a assinatura da DPS não foi aceita: envie de novo o certificado A1 da empresa (Cadastros → Certificados A1)."
    ),
    "E0718": Explicacao(
        "a DPS foi assinada com um certificado que não é o da empresa emitente: envie o e-CNPJ da própria empresa "
        "(Cadastros → Certificados A1)."
    ),
}


def explicar(codigos: list[str]) -> tuple[list[str], str | None]:
    """For the codes of one answer: the accountant's explanations (known codes only, in order) and what the WhatsApp
    user is told (the first known code's own sentence, else None)."""
    conhecidas = [(codigo, EXPLICACOES[codigo]) for codigo in dict.fromkeys(codigos) if codigo in EXPLICACOES]
    usuario = next((e.usuario for _, e in conhecidas if e.usuario), None)
    return [f"{codigo}: {e.contabilidade}" for codigo, e in conhecidas], usuario
