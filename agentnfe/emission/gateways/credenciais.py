"""An empresa's A1 as the national gateway uses it: the key that signs DPSs and a mutual-TLS client, per certificate.

Python's ssl loads a client certificate only from files: the key goes to a temporary PEM encrypted with a random
password, loaded and deleted at once. Server certificates are checked against certifi's bundle plus the CA file
in SSL_CERT_FILE when set (the tests' CA).
"""

from __future__ import annotations

import secrets
import ssl
import tempfile
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import certifi
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ...integrations.http import novo_cliente
from .. import pfx_custo

MAXIMO = 256
"""Certificates kept in memory per process (least recently used leave first)."""


@dataclass(frozen=True)
class Credencial:
    chave: object
    certificado_pem: bytes
    http: httpx.Client


def contexto_tls(arquivo: bytes, senha: str, ca_extra: str | None = None) -> tuple[ssl.SSLContext, object, bytes]:
    """A client TLS context presenting the A1, with the A1's private key and certificate (PEM); servers are
    checked against certifi's bundle plus the `ca_extra` file (SSL_CERT_FILE) when given."""
    pfx_custo.conferir(arquivo)  # checked at upload too; a stored file from before that check is checked here
    chave, certificado, cadeia = pkcs12.load_key_and_certificates(arquivo, senha.encode())
    contexto = ssl.create_default_context(cafile=certifi.where())
    if ca_extra:
        contexto.load_verify_locations(cafile=ca_extra)
    protecao = secrets.token_urlsafe(32)
    pem_certificado = certificado.public_bytes(serialization.Encoding.PEM)
    pem = chave.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(protecao.encode()),
    )
    pem += pem_certificado + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in cadeia or ())
    with tempfile.NamedTemporaryFile(suffix=".pem") as temporario:
        temporario.write(pem)
        temporario.flush()
        contexto.load_cert_chain(temporario.name, password=protecao)
    return contexto, chave, pem_certificado


class Credenciais:
    """One Credencial per certificate and process, built at first use. A client leaves the cache when more than
    MAXIMO are kept, and is closed once no thread holds it any more (never under a call in flight)."""

    def __init__(self, timeout: float, ca_extra: str | None = None):
        self.timeout, self.ca_extra = timeout, ca_extra
        self._guardadas: OrderedDict[int, Credencial] = OrderedDict()
        self._trava = threading.Lock()

    def de(self, certificado_id: int, carregar) -> Credencial:
        """The certificate's Credencial; `carregar()` gives (arquivo, senha) when it is not built yet."""
        with self._trava:
            credencial = self._guardadas.get(certificado_id)
            if credencial is not None:
                self._guardadas.move_to_end(certificado_id)
                return credencial
        contexto, chave, pem = contexto_tls(*carregar(), self.ca_extra)
        http = novo_cliente("nacional", "", {"Accept": "application/json"}, self.timeout, verify=contexto)
        credencial = Credencial(chave, pem, http)
        weakref.finalize(credencial, http.close)  # closed when no thread holds it any more
        with self._trava:
            if certificado_id in self._guardadas:  # another thread built it meanwhile: keep one client
                http.close()
                return self._guardadas[certificado_id]
            self._guardadas[certificado_id] = credencial
            while len(self._guardadas) > MAXIMO:  # forgotten, not closed: a thread may be calling through it
                self._guardadas.popitem(last=False)
        return credencial

    def close(self) -> None:
        with self._trava:
            for credencial in self._guardadas.values():
                credencial.http.close()
            self._guardadas.clear()
