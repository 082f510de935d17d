"""The fiscal vocabularies: kinds of document, tax regimes (the models store them, fiscal rules decide on them)."""

from enum import StrEnum


class TipoDocumento(StrEnum):
    CPF = "cpf"
    CNPJ = "cnpj"


class Regime(StrEnum):
    SIMPLES_NACIONAL = "simples_nacional"
    LUCRO_PRESUMIDO = "lucro_presumido"
    LUCRO_REAL = "lucro_real"
    MEI = "mei"


class RegimeEspecial(StrEnum):
    """Special municipal taxation regime; each gateway maps it to its own codes in its own module."""

    NENHUM = "nenhum"
    ME_MUNICIPAL = "me_municipal"
    ESTIMATIVA = "estimativa"
    SOCIEDADE_PROFISSIONAIS = "sociedade_profissionais"
    COOPERATIVA = "cooperativa"
    MEI = "mei"
    ME_EPP_SIMPLES = "me_epp_simples"
    AUTONOMO = "autonomo"
    NOTARIO_REGISTRADOR = "notario_registrador"
    OUTROS = "outros"
