"""PlugNotas (Tecnospeed) NFS-e API client: emit, consult, cancel, PDF/XML, certificate and company."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from ...integrations.http import novo_cliente
from . import GatewayIndisponivel, GatewayRecusou, RespostaGateway

log = logging.getLogger(__name__)


class PlugNotas:
    nome = "plugnotas"
    exige_certificado = True

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 30.0):
        self.http = novo_cliente(base_url, {"x-api-key": api_key or ""}, timeout)

    def close(self) -> None:
        self.http.close()

    def _pedir(self, metodo: str, caminho: str, **kwargs) -> httpx.Response:
        try:
            resposta = self.http.request(metodo, caminho, **kwargs)
        except httpx.TimeoutException:
            raise GatewayIndisponivel(f"PlugNotas did not answer {metodo} {caminho} in time") from None
        except httpx.TransportError as erro:
            raise GatewayIndisponivel(f"PlugNotas unreachable: {type(erro).__name__}") from None
        if resposta.status_code == 429 or resposta.status_code >= 500:
            raise GatewayIndisponivel(f"PlugNotas answered HTTP {resposta.status_code} to {metodo} {caminho}")
        return resposta

    @staticmethod
    def _json(resposta: httpx.Response) -> Any:
        try:
            return resposta.json()
        except ValueError:
            return {"texto": resposta.text[:500]}

    def _recusa(self, resposta: httpx.Response) -> GatewayRecusou:
        corpo = self._json(resposta)
        erro = corpo.get("error", {}) if isinstance(corpo, dict) else {}
        if not isinstance(erro, dict):
            erro = {"message": str(erro)}
        campos = ((erro.get("data") or {}).get("fields")) or {}
        mensagem = erro.get("message") or corpo.get("message") if isinstance(corpo, dict) else None
        return GatewayRecusou(
            mensagem or f"HTTP {resposta.status_code}", {str(k): str(v) for k, v in campos.items()}, corpo
        )

    def emitir(self, payload: list[dict]) -> RespostaGateway:
        resposta = self._pedir("POST", "/nfse", json=payload)
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = self._json(resposta)
        documento = (corpo.get("documents") or [{}])[0]
        return RespostaGateway(
            situacao="PROCESSANDO",
            gateway_id=documento.get("id"),
            protocolo=corpo.get("protocol"),
            mensagem=corpo.get("message"),
            bruto=corpo,
        )

    @staticmethod
    def _nota(item: dict) -> RespostaGateway:
        return RespostaGateway(
            situacao=str(item.get("situacao") or "PROCESSANDO").upper(),
            gateway_id=item.get("id"),
            protocolo=item.get("protocolo"),
            numero=item.get("numeroNfse") or item.get("numero"),
            codigo_verificacao=item.get("codigoVerificacao"),
            mensagem=item.get("mensagem"),
            pdf_url=item.get("pdf"),
            xml_url=item.get("xml"),
            bruto=item,
        )

    def _consulta(self, caminho: str) -> RespostaGateway | None:
        resposta = self._pedir("GET", caminho)
        if resposta.status_code == 404:
            return None
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = self._json(resposta)
        itens = corpo if isinstance(corpo, list) else [corpo] if isinstance(corpo, dict) and corpo.get("id") else []
        return self._nota(itens[0]) if itens else None

    def consultar(self, gateway_id: str) -> RespostaGateway | None:
        return self._consulta(f"/nfse/{gateway_id}")

    def consultar_por_integracao(self, id_integracao: str, cnpj: str) -> RespostaGateway | None:
        return self._consulta(f"/nfse/consultar/{id_integracao}/{cnpj}")

    def cancelar(self, gateway_id: str, motivo: str) -> RespostaGateway:
        resposta = self._pedir("POST", f"/nfse/cancelar/{gateway_id}", json={"codigo": "1", "motivo": motivo})
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = self._json(resposta)
        protocolo = (corpo.get("data") or {}).get("protocolo")
        return RespostaGateway(
            situacao="CANCELANDO",
            gateway_id=gateway_id,
            protocolo=protocolo,
            mensagem=corpo.get("message"),
            bruto=corpo,
        )

    def _arquivo(self, tipo: str, gateway_id: str) -> bytes:
        resposta = self._pedir("GET", f"/nfse/{tipo}/{gateway_id}")
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        return resposta.content

    def pdf(self, gateway_id: str) -> bytes:
        return self._arquivo("pdf", gateway_id)

    def xml(self, gateway_id: str) -> bytes:
        return self._arquivo("xml", gateway_id)

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str:
        resposta = self._pedir("POST", "/certificado", files={"arquivo": (nome, arquivo)}, data={"senha": senha})
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        return str((self._json(resposta).get("data") or {}).get("id") or "")

    def cadastrar_empresa(self, dados: dict) -> None:
        resposta = self._pedir("POST", "/empresa", json=dados)
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
