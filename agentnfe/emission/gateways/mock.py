"""Mock gateway for development, demos and the desktop: accepts notes, then authorizes them on consult.

A discriminação containing "rejeitar" is rejected, so the rejection path can be tried by hand. State
lives in the shared cache, so the web process and the worker see the same notes.
"""

from __future__ import annotations

import hashlib

from agentnfe.infra.extensions import cache

from .base import DocumentoPlugNotas, GatewayRecusou, RespostaCancelamento, RespostaGateway

TTL = 30 * 24 * 3600


class MockGateway(DocumentoPlugNotas):
    nome = "mock"
    exige_certificado = False
    recebe_certificado = False
    exige_endereco = False

    @staticmethod
    def _chave(id_integracao: str) -> str:
        return f"mock-nfse:{id_integracao}"

    def _guardar(self, nota: dict) -> None:
        cache.set(self._chave(nota["idIntegracao"]), nota, timeout=TTL)
        cache.set(f"mock-nfse-id:{nota['id']}", nota["idIntegracao"], timeout=TTL)

    def emitir(self, payload: list[dict]) -> RespostaGateway:
        documento = payload[0]
        existente = cache.get(self._chave(documento["idIntegracao"]))
        if existente is not None:  # like PlugNotas' 409: the note with this integration id is adopted
            return RespostaGateway(existente["situacao"], gateway_id=existente["id"], bruto=existente, existente=True)
        if not documento["servico"][0]["valor"]["servico"] > 0:
            raise GatewayRecusou(
                "Falha na validação do JSON de NFSe",
                {"servico[0].valor.servico": "O campo servico deve ser maior que 0"},
            )
        digest = hashlib.sha256(documento["idIntegracao"].encode()).hexdigest()
        nota = {
            "id": f"mock{digest[:20]}",
            "idIntegracao": documento["idIntegracao"],
            "prestador": documento["prestador"]["cpfCnpj"],
            "situacao": "PROCESSANDO",
            "discriminacao": documento["servico"][0]["discriminacao"],
            "numeroNfse": str(int(digest[:8], 16) % 1_000_000).zfill(6),
            "codigoVerificacao": digest[8:16].upper(),
        }
        self._guardar(nota)
        return RespostaGateway("PROCESSANDO", gateway_id=nota["id"], protocolo=f"mock-{digest[20:36]}", bruto=nota)

    def _avancar(self, id_integracao: str | None) -> RespostaGateway | None:
        nota = cache.get(self._chave(id_integracao)) if id_integracao else None
        if nota is None:
            return None
        if nota["situacao"] == "PROCESSANDO":
            rejeitar = "rejeitar" in nota["discriminacao"].lower()
            nota["situacao"] = "REJEITADO" if rejeitar else "CONCLUIDO"
            nota["mensagem"] = "Rejeitada pela prefeitura (simulação)" if rejeitar else "Nota autorizada (simulação)"
            self._guardar(nota)
        autorizada = nota["situacao"] in ("CONCLUIDO", "CANCELADO")
        return RespostaGateway(
            nota["situacao"],
            gateway_id=nota["id"],
            numero=nota["numeroNfse"] if autorizada else None,
            codigo_verificacao=nota["codigoVerificacao"] if autorizada else None,
            mensagem=nota.get("mensagem"),
            bruto=nota,
        )

    def consultar(self, gateway_id: str) -> RespostaGateway | None:
        return self._avancar(cache.get(f"mock-nfse-id:{gateway_id}"))

    def consultar_por_integracao(self, id_integracao: str, cnpj: str) -> RespostaGateway | None:
        return self._avancar(id_integracao)

    def cancelar(self, gateway_id: str, codigo: int, motivo: str) -> RespostaCancelamento:
        nota = cache.get(self._chave(cache.get(f"mock-nfse-id:{gateway_id}") or ""))
        if nota is None or nota["situacao"] != "CONCLUIDO":
            raise GatewayRecusou("Nota não encontrada ou não autorizada")
        nota["situacao"] = "CANCELADO"
        self._guardar(nota)
        return RespostaCancelamento("processando", f"mock-cancel-{gateway_id}", "Cancelamento em processamento")

    def consultar_cancelamento(self, protocolo: str) -> RespostaCancelamento:
        return RespostaCancelamento("aceito", protocolo, "Cancelamento concluído (simulação)")

    def pdf(self, gateway_id: str) -> bytes:
        id_integracao = cache.get(f"mock-nfse-id:{gateway_id}") or gateway_id
        return pdf_simples(f"NFS-e (simulacao) {id_integracao}")

    def xml(self, gateway_id: str) -> bytes:
        nota = cache.get(self._chave(cache.get(f"mock-nfse-id:{gateway_id}") or "")) or {}
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><NFSe simulacao="true"><Numero>{nota.get("numeroNfse", "")}</Numero>'
            f"<CodigoVerificacao>{nota.get('codigoVerificacao', '')}</CodigoVerificacao></NFSe>"
        ).encode()

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str:
        return f"mock-cert-{hashlib.sha256(arquivo).hexdigest()[:16]}"

    def cadastrar_empresa(self, dados: dict, atualizar: bool) -> None:
        return None


def pdf_simples(texto: str) -> bytes:
    """A one-page PDF with a line of text (no dependency needed)."""
    conteudo = f"BT /F1 14 Tf 50 780 Td ({texto}) Tj ET".encode("latin-1", "replace")
    objetos = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(conteudo)).encode() + b" >>\nstream\n" + conteudo + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    saida = bytearray(b"%PDF-1.4\n")
    posicoes = []
    for numero, objeto in enumerate(objetos, 1):
        posicoes.append(len(saida))
        saida += f"{numero} 0 obj\n".encode() + objeto + b"\nendobj\n"
    xref = len(saida)
    saida += f"xref\n0 {len(objetos) + 1}\n0000000000 65535 f \n".encode()
    saida += b"".join(f"{p:010d} 00000 n \n".encode() for p in posicoes)
    saida += f"trailer\n<< /Size {len(objetos) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(saida)
