"""What the national system computed on an authorized NFS-e (Anexo I, leiaute NFS-e: cLocIncid, vBC, pAliqAplic,
vISSQN, vTotalRet, vLiq), kept on the note beside what the espelho showed. The month-end package reads these
amounts; a difference from the espelho is filed as a notice for the accountant."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .. import rotulos
from ..fiscal import formatar_brl, iss
from ..models import NFSe
from .avisos import notificar
from .registro import rotulo

NS = "{http://www.sped.fazenda.gov.br/nfse}"
CAMPOS = {
    "vBC": "base_calculo",
    "pAliqAplic": "aliquota_aplicada",
    "vISSQN": "valor_iss",
    "vTotalRet": "valor_retido",
    "vLiq": "valor_liquido",
}
"""infNFSe/valores element → the note's column."""
_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,4})?")


def ler(inf_nfse) -> dict:
    """The computed values of an infNFSe element, each kept only when it has the layout's form (a hostile or
    broken answer loses a value, never the note)."""
    apurado = {}
    municipio = (inf_nfse.findtext(f"{NS}cLocIncid") or "").strip()
    if re.fullmatch(r"[0-9]{7}", municipio):
        apurado["municipio_incidencia"] = municipio
    valores = inf_nfse.find(f"{NS}valores")
    for elemento, coluna in CAMPOS.items():
        texto = (valores.findtext(f"{NS}{elemento}") or "").strip() if valores is not None else ""
        if _DECIMAL.fullmatch(texto):
            try:
                apurado[coluna] = Decimal(texto)
            except InvalidOperation:
                continue
    return apurado


def avisar_divergencias(nota: NFSe, apurado: dict | None) -> None:
    """Tell the accountant where what the system computed (already on the note) differs from the espelho."""
    if not apurado:
        return
    diferencas = divergencias(nota)
    if diferencas:
        notificar(
            nota.contabilidade_id,
            nota.empresa_id,
            "apuracao_divergente",
            f"Nota {rotulo(nota)}: a Sefin Nacional apurou {'; '.join(diferencas)}. Confira o perfil fiscal da "
            "empresa (alíquota do serviço, ISS retido) antes das próximas notas.",
            chave=f"apuracao:{nota.id}",
        )


def divergencias(nota: NFSe) -> list[str]:
    """Where the authorized note's computed values differ from what the espelho showed (its rate, ISS and net)."""
    diferencas = []
    espelho = iss.do_espelho(nota.aliquota_iss, nota.iss_retido, nota.valor)
    if espelho.aliquota is not None and nota.aliquota_aplicada is not None:
        if nota.aliquota_aplicada != espelho.aliquota:
            aplicada, mostrada = rotulos.aliquota(nota.aliquota_aplicada), rotulos.aliquota(espelho.aliquota)
            diferencas.append(f"alíquota de {aplicada} (o espelho mostrou {mostrada})")
        if nota.valor_iss is not None and nota.valor_iss != espelho.valor:
            diferencas.append(
                f"ISS de {formatar_brl(nota.valor_iss)} (o espelho mostrou {formatar_brl(espelho.valor)})"
            )
    liquido = espelho.liquido(nota.valor)
    if nota.valor_liquido is not None and nota.valor_liquido != liquido:
        diferencas.append(
            f"valor líquido de {formatar_brl(nota.valor_liquido)} (o espelho mostrou {formatar_brl(liquido)})"
        )
    return diferencas
