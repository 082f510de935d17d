"""PlugNotas (Tecnospeed) NFS-e API client: emit, consult, cancel, PDF/XML, certificate and company.

Routes and answers follow ../shared/samples/plugnotas_notes.md and Tecnospeed's public PHP SDK
(tecnospeed/plugnotas-php: POST /empresa to create, PATCH /empresa/{cnpj} to update, GET
/nfse/cancelar/status/{protocolo} for a cancellation).
"""

from __future__ import annotations

import logging

import httpx

from ...integrations.http import novo_cliente
from .base import (
    ArquivoPendente,
    DocumentoPlugNotas,
    GatewayRecusou,
    RespostaCancelamento,
    RespostaGateway,
    RespostaIlegivel,
    corpo_json,
    pedir,
)

log = logging.getLogger(__name__)

CODIGOS_CANCELAMENTO = {1: "1", 2: "2", 9: "9"}
"""National cancellation codes (1 erro na emissão, 2 serviço não prestado, 9 outros) → PlugNotas `codigo`.

PlugNotas passes the code on to the city. Cities on the national standard use 1/2/9; ABRASF cities number
theirs 1-5 (1 erro na emissão, 2 serviço não prestado, 4 duplicidade…) and have no "outros": 9 may be refused
there, and the refusal is reported like any other. Confirm per city in the sandbox and adjust this table.
"""
_SITUACOES_CANCELAMENTO = {"CONCLUIDO": "aceito", "CANCELADO": "aceito", "REJEITADO": "recusado", "ERRO": "recusado"}


class PlugNotas(DocumentoPlugNotas):
    nome = "plugnotas"
    exige_certificado = True
    recebe_certificado = True
    exige_endereco = True

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 30.0):
        self.http = novo_cliente("plugnotas", base_url, {"x-api-key": api_key or ""}, timeout)

    def close(self) -> None:
        self.http.close()

    def _pedir(self, metodo: str, caminho: str, **kwargs) -> httpx.Response:
        return pedir(self.http, "PlugNotas", metodo, caminho, **kwargs)

    def _recusa(self, resposta: httpx.Response) -> GatewayRecusou:
        corpo = corpo_json(resposta)
        erro = corpo.get("error", {}) if isinstance(corpo, dict) else {}
        if not isinstance(erro, dict):
            erro = {"message": str(erro)}
        dados = erro.get("data") if isinstance(erro.get("data"), dict) else {}
        campos = dados.get("fields") if isinstance(dados.get("fields"), dict) else {}
        mensagem = erro.get("message") or (corpo.get("message") if isinstance(corpo, dict) else None)
        return GatewayRecusou(
            mensagem or f"HTTP {resposta.status_code}",
            {str(k): str(v) for k, v in campos.items()},
            corpo,
            resposta.status_code,
        )

    def emitir(self, payload: list[dict]) -> RespostaGateway:
        resposta = self._pedir("POST", "/nfse", json=payload)
        if resposta.status_code == 409:
            return self._existente(resposta)
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = corpo_json(resposta)
        documentos = corpo.get("documents") if isinstance(corpo, dict) else None
        documento = documentos[0] if isinstance(documentos, list) and documentos else None
        if not isinstance(documento, dict) or not documento.get("id"):
            raise RespostaIlegivel(
                f"PlugNotas answered HTTP {resposta.status_code} to POST /nfse without the note's id"
            )
        return RespostaGateway(
            situacao="PROCESSANDO",
            gateway_id=documento.get("id"),
            protocolo=corpo.get("protocol"),
            mensagem=corpo.get("message"),
            bruto=corpo,
        )

    def _existente(self, resposta: httpx.Response) -> RespostaGateway:
        """409: the integration id exists; the body carries that note in `error.data.current`."""
        corpo = corpo_json(resposta)
        erro = corpo.get("error") if isinstance(corpo, dict) else None
        dados = erro.get("data") if isinstance(erro, dict) else None
        atual = dados.get("current") if isinstance(dados, dict) else None
        if not isinstance(atual, dict) or not atual.get("id"):  # a 409 is never a rejection: ask again by id
            raise RespostaIlegivel("PlugNotas answered 409 without the existing note")
        nota = self._nota({**atual, "mensagem": erro.get("message") or atual.get("mensagem")})
        nota.existente = True
        return nota

    @staticmethod
    def _nota(item: dict) -> RespostaGateway:
        return RespostaGateway(
            situacao=item.get("situacao"),
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
        corpo = corpo_json(resposta)
        if corpo == []:
            return None
        itens = corpo if isinstance(corpo, list) else [corpo]
        if not isinstance(itens[0], dict) or not itens[0].get("id"):
            raise RespostaIlegivel(f"PlugNotas answered GET {caminho} with something that is not a note")
        return self._nota(itens[0])

    def consultar(self, gateway_id: str) -> RespostaGateway | None:
        return self._consulta(f"/nfse/{gateway_id}")

    def consultar_por_integracao(self, id_integracao: str, cnpj: str) -> RespostaGateway | None:
        return self._consulta(f"/nfse/consultar/{id_integracao}/{cnpj}")

    def cancelar(self, gateway_id: str, codigo: int, motivo: str) -> RespostaCancelamento:
        corpo = {"codigo": CODIGOS_CANCELAMENTO[codigo], "motivo": motivo}
        resposta = self._pedir("POST", f"/nfse/cancelar/{gateway_id}", json=corpo)
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        dados = corpo_json(resposta)
        dados = dados if isinstance(dados, dict) else {}
        protocolo = dados["data"].get("protocolo") if isinstance(dados.get("data"), dict) else None
        return RespostaCancelamento("processando", protocolo, dados.get("message"), dados)

    def consultar_cancelamento(self, protocolo: str) -> RespostaCancelamento:
        """The status of a cancellation request; the answer's shape is read leniently (data.situacao or situacao)."""
        resposta = self._pedir("GET", f"/nfse/cancelar/status/{protocolo}")
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = corpo_json(resposta)
        dados = corpo.get("data") if isinstance(corpo, dict) and isinstance(corpo.get("data"), dict) else corpo
        dados = dados if isinstance(dados, dict) else {}
        situacao = str(dados.get("situacao") or dados.get("status") or "").upper()
        mensagem = dados.get("mensagem") or (corpo.get("message") if isinstance(corpo, dict) else None)
        return RespostaCancelamento(_SITUACOES_CANCELAMENTO.get(situacao, "processando"), protocolo, mensagem, corpo)

    def _arquivo(self, tipo: str, gateway_id: str) -> bytes:
        resposta = self._pedir("GET", f"/nfse/{tipo}/{gateway_id}")
        if resposta.status_code == 202:
            raise ArquivoPendente(f"PlugNotas is still generating the {tipo.upper()} of {gateway_id}")
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        return resposta.content

    def pdf(self, gateway_id: str) -> bytes:
        conteudo = self._arquivo("pdf", gateway_id)
        if not conteudo.startswith(b"%PDF"):
            raise ArquivoPendente(f"PlugNotas answered something that is not a PDF for {gateway_id}")
        return conteudo

    def xml(self, gateway_id: str) -> bytes:
        return self._arquivo("xml", gateway_id)

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str:
        resposta = self._pedir("POST", "/certificado", files={"arquivo": (nome, arquivo)}, data={"senha": senha})
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
        corpo = corpo_json(resposta)
        dados = corpo.get("data") if isinstance(corpo, dict) else None
        return str(dados.get("id") or "")[:100] if isinstance(dados, dict) else ""

    def cadastrar_empresa(self, dados: dict, atualizar: bool) -> None:
        """Register the empresa (POST), or update it (PATCH) when it exists there already."""
        if not atualizar:
            resposta = self._pedir("POST", "/empresa", json=dados)
            if resposta.status_code != 409:
                if resposta.status_code >= 400:
                    raise self._recusa(resposta)
                return
            log.info("empresa %s already registered at PlugNotas: updating it", dados.get("cpfCnpj"))
        resposta = self._pedir("PATCH", f"/empresa/{dados['cpfCnpj']}", json=dados)
        if resposta.status_code == 404 and atualizar:  # registered once, gone since: register again
            self.cadastrar_empresa(dados, atualizar=False)
            return
        if resposta.status_code >= 400:
            raise self._recusa(resposta)
