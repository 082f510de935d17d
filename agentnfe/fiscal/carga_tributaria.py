"""The approximate tax burden a note declares (Lei 12.741/2012 art. 1º; Decreto 8.264/2014): the national DPS's
`totTrib` group, per regime.

- MEI: `indTotTrib` 0 ("não informar nenhum valor estimado"), the only choice the rules leave it (E0710 forbids
  `pTotTribSN` for a MEI).
- Simples ME/EPP: `pTotTribSN`, the empresa's total effective Simples rate from the PGDAS-D (never `indTotTrib`,
  E0712); the accountant keeps it current, the product refuses to send without it.
- Não optante: `pTotTrib` with the federal, state and municipal percentages (never `indTotTrib`, E0713 — see
  regras_nacionais.py). The empresa's own percentages when the accountant set them, else the defaults below.

Defaults for a não optante providing services (the one table that holds them, with their sources):
- Lucro presumido, federal 11.33 %: PIS 0.65 % (Lei 9.715/1998 art. 8º I) + COFINS 3 % (Lei 9.718/1998 art. 8º)
  + IRPJ 15 % on the 32 % presumed base = 4.80 % (Lei 9.249/1995 arts. 3º and 15 §1º III "a") + CSLL 9 % on the
  32 % base = 2.88 % (Lei 9.249/1995 art. 20; Lei 7.689/1988 art. 3º III). The IRPJ surcharge is left out.
- Lucro real, federal 9.25 %: PIS 1.65 % (Lei 10.637/2002 art. 2º) + COFINS 7.6 % (Lei 10.833/2003 art. 2º).
  IRPJ and CSLL fall on the actual profit and cannot be estimated per note: the accountant adds them.
- State 0 %: services of the LC 116 list bear ISS, not ICMS (LC 116/2003 art. 1º; CF art. 155 §2º IX "b").
- Municipal: the note's own ISS rate (LC 116/2003 art. 8º).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .tipos import Regime

FEDERAIS_PADRAO = {Regime.LUCRO_PRESUMIDO: Decimal("11.33"), Regime.LUCRO_REAL: Decimal("9.25")}
ESTADUAIS_PADRAO = Decimal(0)


class CargaFaltando(ValueError):
    """The note cannot declare its tax burden; str() says what the accountant must fill, in PT-BR."""


@dataclass(frozen=True)
class Carga:
    """One of the layout's choices: `simples` (pTotTribSN), or the three percentages (pTotTrib), or neither
    (indTotTrib 0)."""

    simples: Decimal | None = None
    federais: Decimal | None = None
    estaduais: Decimal | None = None
    municipais: Decimal | None = None

    @property
    def percentuais(self) -> bool:
        return self.federais is not None


def da_nota(empresa, aliquota_iss: Decimal | None) -> Carga:
    """The burden a note of this empresa declares; raises CargaFaltando for a Simples ME/EPP without its total
    rate. `empresa` carries regime, aliquota_simples_total and the percentual_tributos_* fields."""
    if empresa.regime is Regime.MEI:
        return Carga()
    if empresa.regime is Regime.SIMPLES_NACIONAL:
        if empresa.aliquota_simples_total is None:
            raise CargaFaltando(
                "a alíquota total efetiva do Simples Nacional (PGDAS-D) da empresa não está cadastrada: a nota "
                "nacional de uma ME/EPP a informa (pTotTribSN); preencha-a no cadastro da empresa"
            )
        return Carga(simples=empresa.aliquota_simples_total)

    def escolhido(proprio: Decimal | None, padrao: Decimal) -> Decimal:
        return padrao if proprio is None else proprio

    return Carga(
        federais=escolhido(empresa.percentual_tributos_federais, FEDERAIS_PADRAO[empresa.regime]),
        estaduais=escolhido(empresa.percentual_tributos_estaduais, ESTADUAIS_PADRAO),
        municipais=escolhido(empresa.percentual_tributos_municipais, aliquota_iss or Decimal(0)),
    )
