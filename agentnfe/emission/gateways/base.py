"""What every NFS-e gateway shares: the answer types, the typed refusals and outages, the HTTP call with its
error mapping, and the Gateway protocol the emission code drives."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from ...fiscal.iss import ISS
from ...integrations.valores import texto
from ...models import NFSe
from .. import payload


@dataclass
class RespostaGateway:
    """A gateway's view of one note; `situacao` in the gateway vocabulary (PROCESSANDO, CONCLUIDO…).

    Built from whatever the gateway answered: identifiers must be text (or numbers) that fit their columns, or
    the answer is unreadable (RespostaIlegivel: the outcome stays unknown); messages and links are cut or dropped.
    """

    situacao: str
    gateway_id: str | None = None
    protocolo: str | None = None
    numero: str | None = None
    codigo_verificacao: str | None = None
    mensagem: str | None = None
    pdf_url: str | None = None
    xml_url: str | None = None
    chave_acesso: str | None = None
    """National layout: the NFS-e's 50-digit access key."""
    bruto: Any = field(default_factory=dict)
    existente: bool = False
    """The gateway already had a note with this integration id (PlugNotas 409): adopted, never a rejection."""
    apurado: dict | None = None
    """National layout: what Sefin computed on the NFS-e (emission/apuracao.py), column → value."""

    def __post_init__(self):
        situacao = texto(self.situacao)
        self.situacao = situacao.upper()[:30] if situacao else "PROCESSANDO"
        for campo in ("gateway_id", "protocolo", "numero", "codigo_verificacao", "chave_acesso"):
            bruto = getattr(self, campo)
            valor = texto(bruto)
            if (valor is None and bruto not in (None, "")) or (valor is not None and len(valor) > _LARGURAS[campo]):
                raise RespostaIlegivel(f"the gateway answered a {campo} this client cannot keep: {str(bruto)[:60]}")
            setattr(self, campo, valor)
        for campo in ("pdf_url", "xml_url"):
            valor = texto(getattr(self, campo))
            setattr(self, campo, valor if valor and len(valor) <= _LARGURAS[campo] else None)
        mensagem = texto(self.mensagem)
        self.mensagem = mensagem[:MENSAGEM_MAXIMA] if mensagem else None
        self.bruto = guardavel(self.bruto)


MENSAGEM_MAXIMA = 2000
BRUTO_MAXIMO = 65_536
_LARGURAS = {coluna.name: getattr(coluna.type, "length", None) for coluna in NFSe.__table__.columns}


def guardavel(bruto: Any) -> Any:
    """A gateway's answer as kept on the note: JSON-safe and at most BRUTO_MAXIMO characters (else a summary)."""
    try:
        texto = json.dumps(bruto, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        texto = repr(bruto)
        bruto = None
    if len(texto) <= BRUTO_MAXIMO and bruto is not None:
        return bruto
    return {"resumo": texto[:2000], "tamanho": len(texto)}


@dataclass
class RespostaCancelamento:
    """Where a cancellation request stands: `processando`, `aceito` or `recusado` (with the reason)."""

    situacao: str
    protocolo: str | None = None
    mensagem: str | None = None
    bruto: Any = field(default_factory=dict)

    def __post_init__(self):
        protocolo = texto(self.protocolo)
        if protocolo is not None and len(protocolo) > _LARGURAS["cancelamento_protocolo"]:
            raise RespostaIlegivel(f"the gateway answered a cancellation protocol of {len(protocolo)} characters")
        self.protocolo = protocolo
        mensagem = texto(self.mensagem)
        self.mensagem = mensagem[:MENSAGEM_MAXIMA] if mensagem else None
        self.bruto = guardavel(self.bruto)


class GatewayRecusou(Exception):
    """The gateway refused the request (HTTP 4xx); `campos` holds its field errors verbatim."""

    def __init__(self, mensagem: str, campos: dict[str, str] | None = None, bruto: Any = None, status: int = 400):
        super().__init__(mensagem)
        self.campos = campos or {}
        self.bruto = bruto
        self.credencial = status in (401, 403)
        """The gateway refused our API key, not the note: nothing was created there."""
        self.para_usuario: str | None = None
        """What the WhatsApp user is told instead of the gateway's own words (None: those words)."""

    def detalhe(self) -> str:
        if not self.campos:
            return str(self)
        return f"{self}: " + "; ".join(f"{campo}: {erro}" for campo, erro in self.campos.items())


class GatewayIndisponivel(Exception):
    """No usable answer (timeout, dropped connection, 5xx): whether the gateway got the request is unknown."""

    nunca_chegou = False


class GatewayInacessivel(GatewayIndisponivel):
    """The connection was refused or never opened: the request surely did not reach the gateway."""

    nunca_chegou = True


class RespostaIlegivel(GatewayIndisponivel):
    """The gateway answered, but not something this client can read: whether it has the note is unknown."""


class ArquivoPendente(GatewayIndisponivel):
    """The gateway is still generating the file (HTTP 202): try again later."""


def pedir(http: httpx.Client, quem: str, metodo: str, caminho: str, **kwargs) -> httpx.Response:
    """One HTTP call to a gateway, its transport failures sorted into "nothing was sent" and "outcome unknown"
    (a refused TLS handshake is a connection that never opened: nothing was sent)."""
    try:
        resposta = http.request(metodo, caminho, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as erro:
        raise GatewayInacessivel(f"{quem} unreachable ({type(erro).__name__}: {erro}): nothing was sent") from None
    except httpx.TimeoutException:
        raise GatewayIndisponivel(f"{quem} did not answer {metodo} {caminho} in time") from None
    except httpx.TransportError as erro:
        if _alerta_tls(erro):  # TLS 1.3: the server refuses the client certificate after the client's Finished
            raise GatewayInacessivel(f"{quem} refused the TLS handshake ({erro}): nothing was sent") from None
        raise GatewayIndisponivel(f"{quem} connection lost during {metodo} {caminho}: {type(erro).__name__}") from None
    if resposta.status_code == 429 or resposta.status_code >= 500:
        raise GatewayIndisponivel(f"{quem} answered HTTP {resposta.status_code} to {metodo} {caminho}")
    return resposta


def corpo_json(resposta: httpx.Response) -> Any:
    """A gateway answer's JSON body, or its first 500 characters when it is not JSON."""
    try:
        return resposta.json()
    except ValueError:
        return {"texto": resposta.text[:500]}


def _alerta_tls(erro: BaseException) -> bool:
    """Whether the failure is a TLS alert from the server (a refused handshake: no request was read)."""
    causa: BaseException | None = erro
    while causa is not None:
        if isinstance(causa, ssl.SSLError) and "ALERT" in str(causa).upper():
            return True
        causa = causa.__cause__ or causa.__context__
    return False


class Gateway(Protocol):
    nome: str
    exige_certificado: bool
    """Whether the empresa needs a valid A1 on file before a note goes out."""
    recebe_certificado: bool
    """Whether the A1 is uploaded to the gateway (and the empresa registered there)."""
    exige_endereco: bool
    """Whether the empresa's street address must be complete before a note goes out."""
    numera_dps: bool
    """Whether the note needs a DPS série and number of the empresa's own sequence before the first send."""

    def documento(self, nota: NFSe, retrato: dict, emissao: datetime, imposto: ISS) -> Any:
        """What goes to the gateway for this note (kept on the note as `payload`)."""

    def referencia(self, nota: NFSe) -> str:
        """The key `consultar_por_integracao` asks by: the integration id, or the national DPS Id."""

    def emitir(self, documento: Any) -> RespostaGateway: ...

    def consultar(self, gateway_id: str) -> RespostaGateway | None: ...

    def consultar_por_integracao(self, referencia: str, cnpj: str) -> RespostaGateway | None: ...

    def cancelar(self, gateway_id: str, codigo: int, motivo: str) -> RespostaCancelamento: ...

    def consultar_cancelamento(self, protocolo: str) -> RespostaCancelamento: ...

    def pdf(self, gateway_id: str) -> bytes: ...

    def xml(self, gateway_id: str) -> bytes: ...

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str: ...

    def cadastrar_empresa(self, dados: dict, atualizar: bool) -> None: ...


class DocumentoPlugNotas:
    """The PlugNotas JSON document, which the mock takes too; notes are known by their integration id."""

    numera_dps = False

    def documento(self, nota: NFSe, retrato: dict, emissao: datetime, imposto: ISS) -> list[dict]:
        return payload.montar(nota, nota.empresa, nota.servico, retrato, emissao, imposto)

    def referencia(self, nota: NFSe) -> str:
        return nota.id_integracao
