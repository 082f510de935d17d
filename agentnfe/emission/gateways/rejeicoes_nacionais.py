"""What each rejection code of the national NFS-e means for the people who act on it: the accountant (which
field of which page to fix) and the WhatsApp user (what happens next), in plain Portuguese.

Source: Anexo I of the Sistema Nacional NFS-e v1.00 (16/12/2025), sheet "RN DPS_NFS-e", and Anexo VI v1.02.01
for IBS/CBS (E0901, E0959) (each code's rule and message; the codes here are the ones a DPS of this product can meet), except E0713, a production rejection of
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
    "E0015": Explicacao(
        "a competência ficou depois da data de emissão: confira a competência da nota (Notas → a nota) e reemita."
    ),
    "E0016": Explicacao(
        "a competência é anterior à entrada do município emissor no sistema nacional: emita notas dessa competência "
        f"pela prefeitura (em {EMPRESA} → Emissão por, escolha PlugNotas) ou mude a competência."
    ),
    "E0037": Explicacao(
        f"o município da empresa não tem convênio com o emissor nacional: em {EMPRESA} → Emissão por, use PlugNotas "
        "(a prefeitura) — só MEI emite pelo nacional em qualquer município."
    ),
    "E0038": Explicacao(
        f"o convênio do município da empresa com o emissor nacional não está ativo: em {EMPRESA} → Emissão por, use "
        "PlugNotas (a prefeitura) até o município ativá-lo."
    ),
    "E0039": Explicacao(
        f"o município da empresa não libera os emissores públicos nacionais: em {EMPRESA} → Emissão por, use PlugNotas."
    ),
    "E0116": Explicacao(
        f"o município tem a inscrição municipal da empresa no cadastro nacional (CNC): preencha {EMPRESA} → Inscrição "
        "municipal exatamente como lá."
    ),
    "E0119": Explicacao(
        f"a inscrição municipal informada não é a que o cadastro nacional (CNC) autoriza a emitir: confira {EMPRESA} → "
        "Inscrição municipal com a prefeitura."
    ),
    "E0120": Explicacao(
        f"o município não tem a empresa no cadastro nacional complementar (CNC), então a nota não pode levar inscrição "
        f"municipal: apague {EMPRESA} → Inscrição municipal ou peça à prefeitura o cadastro no CNC."
    ),
    "E0160": Explicacao(
        f"o regime informado não confere com o cadastro do Simples Nacional no mês da competência: confira {EMPRESA} → "
        "Regime tributário."
    ),
    "E0162": Explicacao(
        f"a apuração do Simples só vale para ME/EPP: confira {EMPRESA} → Regime tributário e Apuração do Simples."
    ),
    "E0166": Explicacao(f"ME/EPP informa a apuração do Simples: preencha {EMPRESA} → Apuração do Simples."),
    "E0174": Explicacao(f"MEI não tem regime especial de tributação: em {EMPRESA} → Regime especial, escolha Nenhum."),
    "E0175": Explicacao(
        f"empresa do Simples com apuração pelo Simples não tem regime especial do ISS: em {EMPRESA} → Regime especial, "
        "escolha Nenhum."
    ),
    "E0177": Explicacao(
        f"o município de incidência do ISS não admite o regime especial da empresa: reveja {EMPRESA} → Regime especial."
    ),
    "E0188": Explicacao(f"o CNPJ do tomador é inválido: corrija-o em {TOMADOR} e emita uma nova nota."),
    "E0202": Explicacao("o tomador tem a mesma raiz de CNPJ da empresa: uma empresa não emite nota para si mesma."),
    "E0206": Explicacao(f"o CPF do tomador é inválido: corrija-o em {TOMADOR} e emita uma nova nota."),
    "E0234": Explicacao(
        f"o ISS deste serviço é devido no município do tomador, então o endereço dele é obrigatório: preencha CEP, "
        f"logradouro e número em {TOMADOR}.",
        "falta o endereço do cliente (tomador), que a contabilidade vai completar no cadastro",
    ),
    "E0235": Explicacao(
        f"tomador identificado por CNPJ precisa de endereço na nota: preencha CEP, logradouro e número em {TOMADOR}.",
        "falta o endereço do cliente (tomador), que a contabilidade vai completar no cadastro",
    ),
    "E0237": Explicacao(
        f"com ISS retido, o endereço do tomador é obrigatório: preencha CEP, logradouro e número em {TOMADOR}.",
        "falta o endereço do cliente (tomador), que a contabilidade vai completar no cadastro",
    ),
    "E0238": Explicacao(f"o município do endereço do tomador não existe no IBGE: corrija-o em {TOMADOR}."),
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
    "E0619": Explicacao(
        f"o município de incidência não está no sistema nacional, então a nota leva a alíquota do serviço: confira "
        f"{SERVICO} → Alíquota do ISS."
    ),
    "E0621": Explicacao(
        f"empresa do Simples com ISS retido informa a alíquota (a partir de 1,8 %): confira {EMPRESA} → Alíquota "
        "efetiva do Simples (ISS) e o ISS retido do serviço ou do tomador."
    ),
    "E0625": Explicacao(
        f"empresa do Simples sem ISS retido não informa alíquota: confira o ISS retido em {SERVICO} e no tomador "
        f"({TOMADOR})."
    ),
    "E0628": Explicacao(
        f"empresa do Simples com ISS retido informa a alíquota (a partir de 1,8 %): confira {EMPRESA} → Alíquota "
        "efetiva do Simples (ISS)."
    ),
    "E0631": Explicacao(
        f"empresa do Simples sem ISS retido não informa alíquota: confira o ISS retido em {SERVICO} e no tomador."
    ),
    "E0635": Explicacao(
        f"com o ISS fora do Simples e o município no sistema nacional, a nota não leva alíquota: confira {EMPRESA} → "
        "Apuração do Simples."
    ),
    "E0640": Explicacao(
        f"com o ISS fora do Simples e o município fora do sistema nacional, a nota leva a alíquota do serviço: confira "
        f"{SERVICO} → Alíquota do ISS e {EMPRESA} → Apuração do Simples."
    ),
    "E0710": Explicacao(f"MEI não informa a alíquota total do Simples: confira {EMPRESA} → Regime tributário."),
    "E0712": Explicacao(
        f"empresa ME/EPP informa a alíquota total do Simples, não o indicador: confira {EMPRESA} → Regime tributário "
        "e Alíquota total efetiva do Simples (PGDAS-D)."
    ),
    "E0713": Explicacao(
        f"empresa fora do Simples informa os percentuais aproximados de tributos, não o indicador: confira {EMPRESA} → "
        "Regime tributário e Tributos federais/estaduais/municipais aproximados."
    ),
    "E0714": Explicacao(
        "a assinatura da DPS não foi aceita: envie de novo o certificado A1 da empresa (Cadastros → Certificados A1)."
    ),
    "E0718": Explicacao(
        "a DPS foi assinada com um certificado que não é o da empresa emitente: envie o e-CNPJ da própria empresa "
        "(Cadastros → Certificados A1)."
    ),
    "E0901": Explicacao(
        f"o indicador da operação do IBS/CBS (cIndOp) não existe na tabela oficial (Anexo VII): corrija {SERVICO} → "
        "Indicador da operação do IBS/CBS, ou apague os campos de IBS/CBS."
    ),
    "E0959": Explicacao(
        f"o cClassTrib do IBS/CBS não pertence ao CST informado (Anexo VI): corrija {SERVICO} → CST e cClassTrib."
    ),
}


def explicar(codigos: list[str]) -> tuple[list[str], str | None]:
    """For the codes of one answer: the accountant's explanations (known codes only, in order) and what the WhatsApp
    user is told (the first known code's own sentence, else None)."""
    conhecidas = [(codigo, EXPLICACOES[codigo]) for codigo in dict.fromkeys(codigos) if codigo in EXPLICACOES]
    usuario = next((e.usuario for _, e in conhecidas if e.usuario), None)
    return [f"{codigo}: {e.contabilidade}" for codigo, e in conhecidas], usuario
