"""Mock gateway for development and tests: authorizes every note at once, deterministically."""

from __future__ import annotations

import hashlib

from ...models import NFSe
from . import RespostaGateway


class MockGateway:
    nome = "mock"

    def emitir(self, nota: NFSe) -> RespostaGateway:
        digest = hashlib.sha256(nota.id_integracao.encode()).hexdigest()
        numero = str(int(digest[:8], 16) % 1_000_000).zfill(6)
        return RespostaGateway(
            situacao="CONCLUIDO",
            gateway_id=f"mock-{digest[:24]}",
            numero=numero,
            codigo_verificacao=digest[8:16].upper(),
            mensagem="Nota autorizada (simulação)",
            bruto={"id": f"mock-{digest[:24]}", "situacao": "CONCLUIDO", "numeroNfse": numero},
        )
