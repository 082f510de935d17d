"""Local fake HTTP servers standing in for Evolution API and an OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 that records requests and answers through `responder`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        servidor = self

        class Handler(BaseHTTPRequestHandler):
            def _atender(self, metodo: str):
                corpo = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    dados = json.loads(corpo or b"null")
                except ValueError:
                    dados = None
                pedido = {
                    "method": metodo,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": dados,
                    "raw": corpo,
                }
                with servidor.lock:
                    servidor.requests.append(pedido)
                status, resposta, atraso = servidor.responder(pedido)
                pedido["entregue"] = status < 300 and not atraso
                if atraso:
                    time.sleep(atraso)
                bruto = resposta if isinstance(resposta, bytes) else json.dumps(resposta).encode()
                tipo = "application/pdf" if isinstance(resposta, bytes) else "application/json"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", tipo)
                    self.send_header("Content-Length", str(len(bruto)))
                    self.end_headers()
                    self.wfile.write(bruto)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):  # noqa: N802
                self._atender("POST")

            def do_GET(self):  # noqa: N802
                self._atender("GET")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def responder(self, pedido: dict) -> tuple[int, object, float]:
        raise NotImplementedError

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeEvolution(FakeServer):
    """Evolution `sendText` (and Meta `messages`); `falhas` holds statuses (or 'timeout') to answer first."""

    def __init__(self):
        super().__init__()
        self.falhas: deque = deque()
        self.contador = 0

    def responder(self, pedido):
        if self.falhas:
            falha = self.falhas.popleft()
            if falha == "timeout":
                return 200, {}, 15
            return falha, {"error": "fake failure"}, 0
        self.contador += 1
        corpo = pedido["json"] or {}
        if pedido["path"].endswith("/messages"):  # Meta Cloud API
            return 200, {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{self.contador}"}]}, 0
        numero = corpo.get("number")
        return (
            201,
            {
                "key": {"remoteJid": f"{numero}@s.whatsapp.net", "fromMe": True, "id": f"OUT{self.contador}"},
                "status": "PENDING",
            },
            0,
        )

    def enviados(self, numero: str | None = None) -> list[str]:
        """Texts delivered (either API shape), optionally to one number, in order."""
        with self.lock:
            pedidos = list(self.requests)
        textos = []
        for r in pedidos:
            corpo = r["json"] or {}
            destino = corpo.get("number") or corpo.get("to")
            texto = corpo["text"]["body"] if isinstance(corpo.get("text"), dict) else corpo.get("text")
            if r.get("entregue") and texto is not None and (numero is None or destino == numero):
                textos.append(texto)
        return textos


class FakeOpenAI(FakeServer):
    """`/chat/completions`; `modo` is 'ok' (answer with `campos`), '500', 'timeout', 'recusa' or 'lixo'."""

    def __init__(self):
        super().__init__()
        self.modo = "ok"
        self.campos: dict = {}

    def responder(self, pedido):
        if not pedido["path"].endswith("/chat/completions"):
            return 404, {"error": "not found"}, 0
        if self.modo == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, 0
        if self.modo == "timeout":
            return 200, {}, 5
        conteudo, recusa = json.dumps(self.campos), None
        if self.modo == "recusa":
            conteudo, recusa = None, "Não posso ajudar com isso."
        if self.modo == "lixo":
            conteudo = "isto não é JSON"
        return (
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 1795777200,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": conteudo, "refusal": recusa},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 512, "completion_tokens": 38, "total_tokens": 550},
            },
            0,
        )

    @property
    def chamadas(self) -> int:
        return sum(1 for r in self.requests if r["path"].endswith("/chat/completions"))


class FakePlugNotas(FakeServer):
    """A stateful PlugNotas: notes by integration id, statuses advancing on consult, injectable faults.

    `modo_emissao`: 'ok', '400', '500', or 'aceita_e_demora' (stores the note, then answers too late).
    `consultas_ate_final` GETs answer PROCESSANDO before `situacao_final`.
    """

    API_KEY = "chave-plugnotas"
    PDF = b"%PDF-1.4 nota fiscal de teste %%EOF"

    def __init__(self):
        super().__init__()
        self.notas: dict[str, dict] = {}
        self.modo_emissao = "ok"
        self.atraso_emissao = 0.0
        self.situacao_final = "CONCLUIDO"
        self.consultas_ate_final = 0
        self.contador = 0

    def posts(self, caminho: str = "/nfse") -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == caminho]

    def _visao(self, nota: dict) -> dict:
        final = nota["situacao"] in ("CONCLUIDO", "CANCELADO")
        return {
            "id": nota["id"], "idIntegracao": nota["idIntegracao"], "prestador": nota["prestador"],
            "situacao": nota["situacao"], "mensagem": nota.get("mensagem", "Em processamento"),
            "numeroNfse": nota["numero"] if final else None, "codigoVerificacao": "AB12CD34" if final else None,
            "pdf": f"{self.url}/nfse/pdf/{nota['id']}", "xml": f"{self.url}/nfse/xml/{nota['id']}",
        }  # fmt: skip

    def _avancar(self, nota: dict) -> dict:
        if nota["situacao"] == "PROCESSANDO":
            if nota["consultas"] >= self.consultas_ate_final:
                nota["situacao"] = self.situacao_final
                nota["mensagem"] = (
                    "Nota autorizada"
                    if self.situacao_final == "CONCLUIDO"
                    else "Inscrição municipal do tomador inválida"
                )
            nota["consultas"] += 1
        return nota

    def responder(self, pedido):
        if pedido["headers"].get("x-api-key") != self.API_KEY:
            return 401, {"error": {"message": "Unauthorized"}}, 0
        caminho, metodo = pedido["path"], pedido["method"]
        if metodo == "POST" and caminho == "/nfse":
            return self._emitir(pedido["json"])
        partes = caminho.strip("/").split("/")
        if metodo == "GET" and partes[:2] == ["nfse", "consultar"]:
            nota = self.notas.get(partes[2])
            return (
                (200, [self._visao(self._avancar(nota))], 0)
                if nota
                else (404, {"error": {"message": "Nota não encontrada"}}, 0)
            )
        if metodo == "GET" and partes[:2] == ["nfse", "pdf"]:
            return 200, self.PDF, 0
        if metodo == "POST" and partes[:2] == ["nfse", "cancelar"]:
            nota = self._por_id(partes[2])
            if nota is None:
                return 404, {"error": {"message": "Nota não encontrada"}}, 0
            nota["situacao"] = "CANCELADO"
            return 200, {"message": "Cancelamento em processamento", "data": {"protocolo": "cancel-1"}}, 0
        if metodo == "GET" and partes[0] == "nfse" and len(partes) == 2:
            nota = self._por_id(partes[1])
            return (
                (200, [self._visao(self._avancar(nota))], 0)
                if nota
                else (404, {"error": {"message": "Nota não encontrada"}}, 0)
            )
        if metodo == "POST" and caminho == "/certificado":
            return 200, {"message": "Certificado cadastrado", "data": {"id": "cert-0001"}}, 0
        if metodo == "POST" and caminho == "/empresa":
            return 200, {"message": "Empresa cadastrada"}, 0
        return 404, {"error": {"message": f"rota {metodo} {caminho}"}}, 0

    def _por_id(self, gateway_id: str) -> dict | None:
        return next((n for n in self.notas.values() if n["id"] == gateway_id), None)

    def _emitir(self, documentos):
        if self.modo_emissao == "400":
            return (
                400,
                {
                    "error": {
                        "message": "Falha na validação do JSON de NFSe",
                        "data": {"fields": {"tomador.cpfCnpj": "O campo cpfCnpj é inválido"}},
                    }
                },
                0,
            )
        if self.modo_emissao == "500":
            return 500, {"error": {"message": "Internal error"}}, 0
        documento = documentos[0]
        with self.lock:
            self.contador += 1
            gateway_id = f"5e8b7c6a9f1d2a00{self.contador:08d}"
        self.notas[documento["idIntegracao"]] = {
            "id": gateway_id, "idIntegracao": documento["idIntegracao"], "prestador": documento["prestador"]["cpfCnpj"],
            "situacao": "PROCESSANDO", "consultas": 0, "numero": f"2026{self.contador:09d}", "documento": documento,
        }  # fmt: skip
        atraso = 3 if self.modo_emissao == "aceita_e_demora" else self.atraso_emissao
        return (
            200,
            {
                "documents": [
                    {
                        "idIntegracao": documento["idIntegracao"],
                        "prestador": documento["prestador"]["cpfCnpj"],
                        "id": gateway_id,
                    }
                ],
                "message": "Nota(as) em processamento",
                "protocol": f"proto-{self.contador}",
            },
            atraso,
        )


class FakeBrasilAPI(FakeServer):
    """`/api/cnpj/v1/{cnpj}` answering the sample body, or 404 / 429 (plain text) / 500 / a timeout."""

    def __init__(self, amostra: dict):
        super().__init__()
        self.amostra = amostra
        self.modo = "ok"

    def responder(self, pedido):
        if self.modo == "404":
            return 404, {"message": "CNPJ 12345678000195 não encontrado.", "type": "not_found"}, 0
        if self.modo == "429":
            return 429, "Too many requests", 0
        if self.modo == "500":
            return 500, {"message": "erro"}, 0
        if self.modo == "timeout":
            return 200, {}, 3
        cnpj = pedido["path"].rstrip("/").split("/")[-1]
        return 200, {**self.amostra, "cnpj": cnpj}, 0
