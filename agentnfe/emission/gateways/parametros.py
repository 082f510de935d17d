"""The national system's municipal parameters: a município's convênio and the ISS rate of a service there.

Where they are served differs between public sources, so the base is one setting (NACIONAL_PARAMETROS_URL) and,
unset, two bases are asked in turn and the one that answered is reported:
- the ADN's "Parametrização" API, listed on gov.br's page of APIs (reference endpoints-swagger.md) and called by
  public clients as `{adn}/parametrizacao/{cMun}/convenio` and `/{cMun}/{01.01.01.000}/{AAAA-MM-DD}/aliquota`
  (voopenp/nfse-php src/Http/Client/AdnClient.php; a TypeScript client whose notes say the Sefin path answered 404 in
  produção restrita);
- the Manual dos Contribuintes v1.2 §1.2.1, which files `/parametros_municipais/{cMun}/convenio` under the Sefin.

Answers as those clients read them: `{"parametrosConvenio": {"aderenteAmbienteNacional": 1, "aderenteEmissorNacional":
1, …}, "mensagem"}` (flags as 0/1 or booleans) and `{"aliquotas": {"<código>": [{"Incidencia", "Aliq", "DtIni",
"DtFim"}]}}`. A 404 means the município (or the service) has no parameters there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import httpx

from agentnfe.cadastros import convenios

from .base import GatewayInacessivel, corpo_json, pedir

ROTA_ADN = "/parametrizacao"
ROTA_SEFIN = "/parametros_municipais"


@dataclass(frozen=True)
class Convenio:
    municipio: str
    ativo: bool
    """aderenteAmbienteNacional: the município's convênio with the national system is in force."""
    emissor_nacional: bool
    """aderenteEmissorNacional: its taxpayers may use the national emitters (E0039)."""
    base: str
    """The base that answered."""


@dataclass(frozen=True)
class AliquotaMunicipal:
    aliquota: Decimal | None
    incidencia: str | None
    base: str


def _ligado(valor) -> bool:
    return valor is True or valor == 1 or valor == "1"


def codigo_de_parametrizacao(codigo_tributacao_nacional: str) -> str:
    """`01.01.01.000` from `010101`: the service code with dots and the municipal desdobro, as the ADN asks."""
    c = codigo_tributacao_nacional
    return f"{c[:2]}.{c[2:4]}.{c[4:6]}.000"


class Parametros:
    """Reads parameters over the empresa's mutual-TLS client; each call is one GET per base tried."""

    def __init__(self, http: httpx.Client | None, bases: list[str]):
        self.http, self.bases = http, bases

    def _ler(self, caminho: str) -> tuple[dict, str] | None:
        """The first base's JSON answer for the path (None: every base said 404)."""
        if self.http is None:
            raise GatewayInacessivel("the empresa has no A1 certificate for the national API: nothing was asked")
        falhas = []
        for base in self.bases:
            resposta = pedir(self.http, "Parâmetros municipais", "GET", base + caminho)
            corpo = corpo_json(resposta)
            if resposta.status_code == 200 and isinstance(corpo, dict):
                return corpo, base
            falhas.append(f"{base}: HTTP {resposta.status_code}")
        if falhas and all(f.endswith("404") for f in falhas):
            return None
        raise GatewayInacessivel("municipal parameters unavailable (" + "; ".join(falhas) + ")")

    def convenio(self, municipio: str) -> Convenio | None:
        """The município's convênio (None: it has none), read once a day (agentnfe/cadastros/convenios.py)."""
        guardado = convenios.conhecido(municipio)
        if guardado is not convenios.NAO_LIDO:
            return Convenio(municipio, **guardado) if guardado else None
        lido = self._ler(f"/{municipio}/convenio")
        convenio = None
        if lido is not None:
            corpo, base = lido
            dados = corpo.get("parametrosConvenio") if isinstance(corpo.get("parametrosConvenio"), dict) else {}
            convenio = Convenio(
                municipio, _ligado(dados.get("aderenteAmbienteNacional")),
                _ligado(dados.get("aderenteEmissorNacional")), base,
            )  # fmt: skip
        convenios.guardar(
            municipio,
            {"ativo": convenio.ativo, "emissor_nacional": convenio.emissor_nacional, "base": convenio.base}
            if convenio
            else None,
        )
        return convenio

    def aliquota(self, municipio: str, codigo_tributacao_nacional: str, competencia: date) -> AliquotaMunicipal | None:
        """The rate the município has for the service at the competência (None: none in force)."""
        codigo = codigo_de_parametrizacao(codigo_tributacao_nacional)
        lido = self._ler(f"/{municipio}/{codigo}/{competencia.isoformat()}/aliquota")
        if lido is None:
            return None
        corpo, base = lido
        grupos = corpo.get("aliquotas") if isinstance(corpo.get("aliquotas"), dict) else {}
        for lista in grupos.values():
            for item in lista if isinstance(lista, list) else []:
                if isinstance(item, dict):
                    try:
                        aliquota = Decimal(str(item.get("Aliq", item.get("aliq"))))
                    except InvalidOperation:
                        continue
                    if aliquota.is_finite() and 0 <= aliquota <= 100:
                        incidencia = item.get("Incidencia", item.get("incidencia"))
                        convenios.guardar_aliquota(municipio, codigo_tributacao_nacional, aliquota)
                        return AliquotaMunicipal(aliquota, str(incidencia) if incidencia else None, base)
        convenios.guardar_aliquota(municipio, codigo_tributacao_nacional, None)
        return AliquotaMunicipal(None, None, base)
