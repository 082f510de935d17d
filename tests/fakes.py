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
            def do_POST(self):  # noqa: N802
                corpo = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    dados = json.loads(corpo or b"null")
                except ValueError:
                    dados = None
                pedido = {"path": self.path, "headers": dict(self.headers), "json": dados}
                with servidor.lock:
                    servidor.requests.append(pedido)
                status, resposta, atraso = servidor.responder(pedido)
                pedido["entregue"] = status < 300 and not atraso
                if atraso:
                    time.sleep(atraso)
                bruto = json.dumps(resposta).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(bruto)))
                    self.end_headers()
                    self.wfile.write(bruto)
                except (BrokenPipeError, ConnectionResetError):
                    pass

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
