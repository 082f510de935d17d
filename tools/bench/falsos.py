"""The external services of a benchmark run — the suite's fakes (tests/fakes.py), answering as slowly as the real
ones: the LLM in 1.5 s, the NFS-e gateway's POST in 1 s. Evolution is served by the loader (carga.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.fakes import FakeBrasilAPI, FakeOpenAI, FakePlugNotas

AMOSTRA_BRASILAPI = Path(__file__).resolve().parents[2] / "tests/data/brasilapi_cnpj_200.json"


class OpenAILenta(FakeOpenAI):
    """Answers every extraction after `atraso` seconds, settling the value the rules found ambiguous."""

    def __init__(self, atraso: float):
        super().__init__()
        self.atraso = atraso
        self.campos = {"documento": None, "nome_tomador": None, "valor": "1500.00", "descricao": None}
        self.campos["intencao"] = "emitir"

    def responder(self, pedido):
        status, corpo, _ = super().responder(pedido)
        return status, corpo, self.atraso


class PlugNotasLenta(FakePlugNotas):
    """The stateful fake gateway, its POST /nfse answered after `atraso` seconds; the first consult finds the note
    authorized."""

    def __init__(self, atraso: float):
        super().__init__()
        self.atraso_emissao = atraso

    def notas_enviadas(self) -> dict[str, int]:
        """POSTs per idIntegracao: exactly one each when nothing was sent twice."""
        contagem: dict[str, int] = {}
        for pedido in self.posts():
            for documento in pedido["json"] or []:
                chave = documento.get("idIntegracao")
                contagem[chave] = contagem.get(chave, 0) + 1
        return contagem


@dataclass
class Falsos:
    openai: OpenAILenta
    plugnotas: PlugNotasLenta
    brasilapi: FakeBrasilAPI

    def env(self) -> dict[str, str]:
        return {
            "OPENAI_API_KEY": "chave-bench",
            "OPENAI_BASE_URL": f"{self.openai.url}/v1",
            "NFSE_GATEWAY": "plugnotas",
            "PLUGNOTAS_URL": self.plugnotas.url,
            "PLUGNOTAS_API_KEY": FakePlugNotas.API_KEY,
            "BRASILAPI_URL": self.brasilapi.url,
        }

    def fechar(self) -> None:
        for servidor in (self.openai, self.plugnotas, self.brasilapi):
            servidor.close()


def iniciar(atraso_llm: float = 1.5, atraso_gateway: float = 1.0) -> Falsos:
    amostra = json.loads(AMOSTRA_BRASILAPI.read_text())
    return Falsos(OpenAILenta(atraso_llm), PlugNotasLenta(atraso_gateway), FakeBrasilAPI(amostra))
