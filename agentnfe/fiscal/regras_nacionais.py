"""What the national DPS may say for each regime: the rules that tie the prestador's regime to regEspTrib,
regApTribSN, tpRetISSQN, pAliq and totTrib. Every decision names its rule.

Source, the one place these rules live in the product: Anexo I do Sistema Nacional NFS-e v1.00 (16/12/2025),
sheet "RN DPS_NFS-e" (codes E0174 … E0712). E0713 is not in Anexo I v1.00: it is a production rejection of
`indTotTrib` for a não optante reported in github nfse-nacional/nfse-php#34. The admin form, the CSV import and the
DPS builder all ask here; the words shown to the accountant are the rule's own.
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum

from .tipos import Regime, RegimeEspecial


class Apuracao(IntEnum):
    """regApTribSN (TSRegimeApuracaoSimpNac), only for a Simples ME/EPP."""

    SIMPLES = 1
    """Federal taxes and the ISSQN by the Simples Nacional."""
    ISS_FORA = 2
    """Federal taxes by the Simples, ISSQN outside it (gross revenue over the sublimit)."""
    TUDO_FORA = 3
    """Federal taxes and ISSQN outside the Simples."""


APURACOES = {
    Apuracao.SIMPLES: "1 — tributos federais e ISS pelo Simples Nacional",
    Apuracao.ISS_FORA: "2 — federais pelo Simples, ISS fora dele (sublimite excedido)",
    Apuracao.TUDO_FORA: "3 — federais e ISS fora do Simples Nacional",
}

SEM_REGIME_ESPECIAL = frozenset({RegimeEspecial.NENHUM, RegimeEspecial.MEI, RegimeEspecial.ME_EPP_SIMPLES})
"""Values the national layout writes as regEspTrib 0: MEI and ME/EPP are opSimpNac there, not special regimes."""

ALIQUOTA_MINIMA_RETIDA_SIMPLES = Decimal("1.8")
"""E0621/E0628, Obs.: "o percentual da alíquota mínima informada permitida é 1,8%"."""
ALIQUOTA_MAXIMA = Decimal(5)
"""E0595: "Não é permitido informar alíquota superior a 5%" (LC 116/2003 art. 8º II)."""
TOTAL_SIMPLES_MAXIMO = Decimal("99.99")
"""pTotTribSN is TSDec2V2 in the layout: at most two integer digits."""


def sem_regime_especial(especial: RegimeEspecial | None) -> bool:
    return especial is None or especial in SEM_REGIME_ESPECIAL


def regime_especial_proibido(regime: Regime, apuracao: int | None, especial: RegimeEspecial | None) -> str | None:
    """Why the national rules forbid this special regime for this regime (None when allowed): E0174, E0175. A MEI
    is registered as `mei` (or `nenhum`), nothing else."""
    if regime is Regime.MEI and especial not in (None, RegimeEspecial.NENHUM, RegimeEspecial.MEI):
        return 'o regime especial deve ser "Nenhum" quando o prestador é MEI (regra E0174 do emissor nacional)'
    if sem_regime_especial(especial):
        return None
    if regime is Regime.SIMPLES_NACIONAL and (apuracao or Apuracao.SIMPLES) == Apuracao.SIMPLES:
        return (
            'o regime especial deve ser "Nenhum" quando o prestador é optante do Simples Nacional ME/EPP e apura '
            "os tributos federais e o ISS pelo Simples (regApTribSN 1) — regra E0175 do emissor nacional"
        )
    return None


def retencao_proibida(regime: Regime, especial: RegimeEspecial | None) -> str | None:
    """Why the ISS of this prestador cannot be withheld by the tomador (E0583, E0588); None when it can."""
    if regime is Regime.MEI:
        return "o ISS de um MEI não pode ser retido pelo tomador (regra E0583 do emissor nacional)"
    if not sem_regime_especial(especial):
        return (
            "com regime especial de tributação o ISS não pode ser retido pelo tomador (regra E0588 do emissor "
            "nacional): desmarque a retenção no serviço ou no tomador, ou revise o regime especial da empresa"
        )
    return None


def aliquota_no_dps(
    regime: Regime,
    apuracao: int | None,
    especial: RegimeEspecial | None,
    retido: bool,
    convenio_ativo: bool,
    aliquota: Decimal | None,
) -> Decimal | None:
    """pAliq: the rate the DPS carries (None: the field goes empty and Sefin applies the município's own).

    MEI never (E0600); with a special regime never (E0604). Não optante: never when the incidence município's
    convênio is active (E0617), the service's rate otherwise (E0619). ME/EPP apurando pelo Simples: only when the
    ISS is withheld (E0621/E0625 active, E0628/E0631 inactive). ME/EPP with the ISS outside the Simples: never
    when active (E0635), the município's rate otherwise (E0640)."""
    if regime is Regime.MEI or not sem_regime_especial(especial):
        return None
    if regime is Regime.SIMPLES_NACIONAL and (apuracao or Apuracao.SIMPLES) == Apuracao.SIMPLES:
        return aliquota if retido else None
    return None if convenio_ativo else aliquota


def regras_em_conflito(
    regime: Regime, apuracao: int | None, especial: RegimeEspecial | None, convenio_ativo: bool
) -> str | None:
    """A case where two rules cannot both be met: an ME/EPP with the ISS outside the Simples and a special regime,
    in a município without an active convênio, must send pAliq (E0640) and must not (E0604)."""
    fora = regime is Regime.SIMPLES_NACIONAL and (apuracao or Apuracao.SIMPLES) != Apuracao.SIMPLES
    if fora and not sem_regime_especial(especial) and not convenio_ativo:
        return (
            "as regras do emissor nacional se contradizem para esta nota: ME/EPP com ISS fora do Simples em município "
            "sem convênio ativo exige a alíquota (E0640), e com regime especial a proíbe (E0604); emita-a no "
            "Emissor Nacional (www.nfse.gov.br) ou pela prefeitura"
        )
    return None


def aliquota_recusada(aliquota: Decimal | None, regime: Regime, apuracao: int | None) -> str | None:
    """Why a rate that goes on the DPS is out of the rules' bounds (E0595, E0621/E0628); None when fine."""
    if aliquota is None:
        return None
    if aliquota > ALIQUOTA_MAXIMA:
        return f"a alíquota de {aliquota}% passa de 5%, o máximo que a nota aceita (regra E0595)"
    simples = regime is Regime.SIMPLES_NACIONAL and (apuracao or Apuracao.SIMPLES) == Apuracao.SIMPLES
    if simples and aliquota < ALIQUOTA_MINIMA_RETIDA_SIMPLES:
        return (
            f"com ISS retido, a alíquota do Simples informada na nota deve ser de pelo menos 1,8% (regra E0621); "
            f"a cadastrada é {aliquota}% — revise a alíquota efetiva do Simples (ISS) da empresa"
        )
    return None
