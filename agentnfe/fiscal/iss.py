"""ISS on a note by regime (docs/arquitetura.md §9): the rate that goes on the note, withholding, and the amounts.

Sources, the one place that holds these rules:
- MEI pays ISS inside the DAS (LC 123/2006 art. 18-A): no rate on the note, never withheld.
- Simples Nacional ME/EPP apurando o ISS pelo Simples (regApTribSN 1): when the tomador withholds, the rate is the empresa's effective Simples ISS rate of
  the previous month (LC 123/2006 art. 21 §4), which may be below 2 %; when not withheld the ISS is paid in the
  DAS and no rate is sent.
- Simples ME/EPP over the sublimit (regApTribSN 2 or 3: the ISS outside the Simples, LC 123/2006 art. 13-A and
  art. 20 §1º) and lucro presumido / real: the municipal rate of the service (LC 116/2003 art. 8-A: at least 2 %, items 7.02,
  7.05 and 16.01 excepted; art. 8 II: at most 5 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .tipos import Regime

CENT = Decimal("0.01")


class AliquotaSimplesFaltando(ValueError):
    """A Simples Nacional note with ISS withheld needs the empresa's effective Simples rate."""


@dataclass(frozen=True)
class ISS:
    aliquota: Decimal | None
    """Rate sent on the note (percent); None when the ISS is paid in the DAS."""
    retido: bool
    valor: Decimal | None
    """ISS amount when a rate is sent."""

    def liquido(self, valor: Decimal) -> Decimal:
        """What the prestador receives: the value minus the ISS the tomador withholds."""
        return valor - (self.valor or Decimal(0)) if self.retido else valor


def calcular(
    regime: Regime,
    aliquota_servico: Decimal | None,
    aliquota_simples: Decimal | None,
    retido: bool,
    valor: Decimal,
    apuracao: int | None = 1,
) -> ISS:
    """The ISS of a note; raises AliquotaSimplesFaltando for a withheld Simples note without the Simples rate.
    `apuracao` is the Simples empresa's regApTribSN (1 when the ISS is paid in the DAS)."""
    if regime is Regime.MEI:
        return ISS(None, False, None)
    if regime is Regime.SIMPLES_NACIONAL and (apuracao or 1) == 1:
        if not retido:
            return ISS(None, False, None)
        if aliquota_simples is None:
            raise AliquotaSimplesFaltando(
                "a alíquota efetiva do Simples Nacional da empresa não está cadastrada (ISS retido pelo tomador)"
            )
        aliquota = aliquota_simples
    else:
        aliquota = aliquota_servico
    return do_espelho(aliquota, retido, valor)


def do_espelho(aliquota: Decimal | None, retido: bool, valor: Decimal) -> ISS:
    """The ISS a note shows for a rate already decided (None: no rate, no amount), rounded half-up to the cent."""
    if aliquota is None:
        return ISS(None, retido, None)
    return ISS(aliquota, retido, (valor * aliquota / 100).quantize(CENT, rounding=ROUND_HALF_UP))
