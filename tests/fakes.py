"""Local fake HTTP servers standing in for Evolution API and an OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft202012Validator


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 that records requests and answers through `responder`."""

    def __init__(self, tls=None):
        """`tls`: a server-side ssl.SSLContext to serve HTTPS (a client certificate is then in `pedido["cliente"]`)."""
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.ao_receber = None
        """Called with each request before it is answered (a test's "meanwhile")."""
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
                    "cliente": self.connection.getpeercert(binary_form=True) if tls else None,
                }
                with servidor.lock:
                    servidor.requests.append(pedido)
                if servidor.ao_receber is not None:
                    servidor.ao_receber(pedido)
                status, resposta, atraso = servidor.responder(pedido)
                if status == "fechar":  # the connection drops before any answer
                    self.close_connection = True
                    return
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
                    if metodo != "HEAD":
                        self.wfile.write(bruto)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):  # noqa: N802
                self._atender("POST")

            def do_GET(self):  # noqa: N802
                self._atender("GET")

            def do_PATCH(self):  # noqa: N802
                self._atender("PATCH")

            def do_HEAD(self):  # noqa: N802
                self._atender("HEAD")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.httpd.handle_error = lambda *_: None  # a refused handshake is the client's problem, not a crash
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
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
        self.fora_do_ar = False
        """While True, every request gets 503 (the instance disconnected, the proxy in front answering)."""
        self.lixo = None
        """When set, a send is accepted (201) with this body instead of the documented one."""

    def responder(self, pedido):
        if self.fora_do_ar:
            return 503, {"error": "Service Unavailable"}, 0
        if self.lixo is not None and not self.falhas:
            return 201, self.lixo, 0
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


SCHEMAS = Path(__file__).parent / "schemas"


def erros_de_schema(nome: str, corpo) -> dict[str, str]:
    """Field errors of `corpo` against one of the PlugNotas schemas, keyed like the API's `fields`."""
    validador = Draft202012Validator(json.loads((SCHEMAS / nome).read_text()))
    erros = {}
    for erro in validador.iter_errors(corpo):
        caminho = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in erro.absolute_path).lstrip(".")
        erros[caminho or "(corpo)"] = erro.message
    return erros


class FakePlugNotas(FakeServer):
    """A stateful PlugNotas that behaves like the documented API (../shared/samples/plugnotas_notes.md).

    - POST /nfse validates the body against tests/schemas/plugnotas_nfse.schema.json (400 with `fields`),
      answers 409 with the existing note in `error.data.current` for a repeated idIntegracao, and may accept
      a note then answer too late (`modo_emissao = 'aceita_e_demora'`) or drop the connection after storing it
      ('derruba_conexao').
    - consults answer PROCESSANDO `consultas_ate_final` times, then `situacao_final` (CONCLUIDO, REJEITADO or
      DENEGADO); `cancelar_na_prefeitura()` cancels a note outside the product.
    - GET /nfse/pdf/{id} answers 202 while the PDF is being generated (`pdf_pendente` times).
    - cancellation takes {codigo, motivo (15-255)}, returns a protocol followed at /nfse/cancelar/status/{protocolo}
      (`cancelamento_final`: CONCLUIDO or REJEITADO after `consultas_cancelamento` polls).
    - POST /empresa needs the full address, nfse.config and a certificate (409 when it exists); PATCH updates.
    """

    API_KEY = "chave-plugnotas"
    PDF = b"%PDF-1.4 nota fiscal de teste %%EOF"
    CODIGOS_CANCELAMENTO = ("1", "2", "9")

    def __init__(self):
        super().__init__()
        self.notas: dict[str, dict] = {}
        self.empresas: dict[str, dict] = {}
        self.cancelamentos: dict[str, dict] = {}
        self.modo_emissao = "ok"
        self.atraso_emissao = 0.0
        self.situacao_final = "CONCLUIDO"
        self.consultas_ate_final = 0
        self.pdf_pendente = 0
        self.cancelamento_final = "CONCLUIDO"
        self.consultas_cancelamento = 1
        self.contador = 0
        self.lixo_emissao = None
        """With `modo_emissao = 'lixo'`: the note is stored, then the POST answers 200 with this body."""
        self.lixo_consulta = None
        """When set, every consult of a note answers 200 with this body."""

    def posts(self, caminho: str = "/nfse") -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == caminho]

    def chamadas(self, metodo: str, prefixo: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == metodo and r["path"].startswith(prefixo)]

    def cancelar_na_prefeitura(self, id_integracao: str) -> None:
        """The note is cancelled at the city hall, not through the product."""
        self.notas[id_integracao]["situacao"] = "CANCELADO"

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
                nota["mensagem"] = {
                    "CONCLUIDO": "Nota autorizada",
                    "REJEITADO": "Inscrição municipal do tomador inválida",
                    "DENEGADO": "Prestador com pendência cadastral no município",
                }[self.situacao_final]
            nota["consultas"] += 1
        return nota

    def responder(self, pedido):
        if pedido["headers"].get("x-api-key") != self.API_KEY:
            return 401, {"error": {"message": "Unauthorized"}}, 0
        caminho, metodo = pedido["path"], pedido["method"]
        partes = caminho.strip("/").split("/")
        rotas = [
            (metodo == "POST" and caminho == "/nfse", lambda: self._emitir(pedido["json"])),
            (metodo == "GET" and partes[:2] == ["nfse", "consultar"], lambda: self._consultar(self.notas.get(partes[2]))),
            (metodo == "GET" and partes[:3] == ["nfse", "cancelar", "status"], lambda: self._status_cancelamento(partes[3])),
            (metodo == "GET" and partes[:2] == ["nfse", "pdf"], lambda: self._pdf(partes[2])),
            (metodo == "GET" and partes[:2] == ["nfse", "xml"], lambda: (200, b"<NFSe/>", 0)),
            (metodo == "POST" and partes[:2] == ["nfse", "cancelar"], lambda: self._cancelar(partes[2], pedido["json"])),
            (metodo == "GET" and partes[0] == "nfse" and len(partes) == 2, lambda: self._consultar(self._por_id(partes[1]))),
            (metodo == "POST" and caminho == "/certificado", lambda: (200, {"message": "Certificado cadastrado", "data": {"id": "5ecc441a4ea3b318cec7f999"}}, 0)),
            (metodo == "POST" and caminho == "/empresa", lambda: self._empresa(pedido["json"], None)),
            (metodo == "PATCH" and partes[0] == "empresa" and len(partes) == 2, lambda: self._empresa(pedido["json"], partes[1])),
        ]  # fmt: skip
        for casa, atender in rotas:
            if casa:
                return atender()
        return 404, {"error": {"message": f"rota {metodo} {caminho}"}}, 0

    def _consultar(self, nota: dict | None):
        if self.lixo_consulta is not None:
            return 200, self.lixo_consulta, 0
        if nota is None:
            return 404, {"error": {"message": "Nota não encontrada"}}, 0
        return 200, [self._visao(self._avancar(nota))], 0

    def _por_id(self, gateway_id: str) -> dict | None:
        return next((n for n in self.notas.values() if n["id"] == gateway_id), None)

    def _pdf(self, gateway_id: str):
        nota = self._por_id(gateway_id)
        if nota is None:
            return 404, {"error": {"message": "Nota não encontrada"}}, 0
        if self.pdf_pendente > 0:
            self.pdf_pendente -= 1
            return 202, {"message": "O PDF está sendo gerado, tente novamente em instantes"}, 0
        return 200, self.PDF, 0

    def _cancelar(self, gateway_id: str, corpo):
        nota = self._por_id(gateway_id)
        if nota is None:
            return 404, {"error": {"message": "Nota não encontrada"}}, 0
        corpo = corpo if isinstance(corpo, dict) else {}
        campos = {}
        if str(corpo.get("codigo")) not in self.CODIGOS_CANCELAMENTO:
            campos["codigo"] = "Código de cancelamento inválido"
        if not 15 <= len(str(corpo.get("motivo") or "")) <= 255:
            campos["motivo"] = "O motivo deve ter entre 15 e 255 caracteres"
        if campos:
            return 400, {"error": {"message": "Falha na validação do cancelamento", "data": {"fields": campos}}}, 0
        if nota["situacao"] != "CONCLUIDO":
            return 400, {"error": {"message": "Só é possível cancelar notas autorizadas"}}, 0
        protocolo = f"cancel-{len(self.cancelamentos) + 1}"
        self.cancelamentos[protocolo] = {"nota": nota, "consultas": 0, "corpo": corpo}
        return 200, {"message": "Cancelamento em processamento", "data": {"protocolo": protocolo}}, 0

    def _status_cancelamento(self, protocolo: str):
        pedido = self.cancelamentos.get(protocolo)
        if pedido is None:
            return 404, {"error": {"message": "Protocolo não encontrado"}}, 0
        pedido["consultas"] += 1
        if pedido["consultas"] < self.consultas_cancelamento:
            return 200, {"message": "Em processamento", "data": {"situacao": "PROCESSANDO"}}, 0
        if self.cancelamento_final == "CONCLUIDO":
            pedido["nota"]["situacao"] = "CANCELADO"
            return 200, {"message": "Cancelamento concluído", "data": {"situacao": "CONCLUIDO"}}, 0
        motivo = "Prazo para cancelamento expirado; solicite na prefeitura"
        return 200, {"message": motivo, "data": {"situacao": "REJEITADO", "mensagem": motivo}}, 0

    def _empresa(self, corpo, cnpj: str | None):
        if cnpj is not None and cnpj not in self.empresas:
            return 404, {"error": {"message": "Empresa não encontrada"}}, 0
        if cnpj is None and isinstance(corpo, dict) and corpo.get("cpfCnpj") in self.empresas:
            return 409, {"error": {"message": "Empresa já cadastrada"}}, 0
        campos = erros_de_schema("plugnotas_empresa.schema.json", corpo)
        if cnpj is None and not (isinstance(corpo, dict) and corpo.get("certificado")):
            campos["certificado"] = "Preenchimento obrigatório"
        if campos:
            return 400, {"error": {"message": "Falha na validação do JSON de Empresa", "data": {"fields": campos}}}, 0
        self.empresas[corpo["cpfCnpj"]] = corpo
        return 200, {"message": "Cadastro efetuado com sucesso", "data": {"cnpj": corpo["cpfCnpj"]}}, 0

    def _emitir(self, documentos):
        if self.modo_emissao == "500":
            return 500, {"error": {"message": "Internal error"}}, 0
        campos = erros_de_schema("plugnotas_nfse.schema.json", documentos)
        if self.modo_emissao == "400":
            campos = {"tomador.cpfCnpj": "O campo cpfCnpj é inválido"}
        if campos:
            return 400, {"error": {"message": "Falha na validação do JSON de NFSe", "data": {"fields": campos}}}, 0
        documento = documentos[0]
        existente = self.notas.get(documento["idIntegracao"])
        if existente is not None:
            atual = {k: existente[k] for k in ("id", "idIntegracao", "situacao")}
            atual |= {"prestador": existente["prestador"], "numeroNfse": existente["numero"]}
            return (
                409,
                {"error": {"message": "Já existe uma NFSe com o idIntegracao informado", "data": {"current": atual}}},
                0,
            )
        with self.lock:
            self.contador += 1
            gateway_id = f"5e8b7c6a9f1d2a00{self.contador:08d}"
        self.notas[documento["idIntegracao"]] = {
            "id": gateway_id, "idIntegracao": documento["idIntegracao"], "prestador": documento["prestador"]["cpfCnpj"],
            "situacao": "PROCESSANDO", "consultas": 0, "numero": f"2026{self.contador:09d}", "documento": documento,
        }  # fmt: skip
        if self.modo_emissao == "derruba_conexao":
            return "fechar", None, 0
        if self.modo_emissao == "lixo":
            return 200, self.lixo_emissao, 0
        atraso = 3 if self.modo_emissao == "aceita_e_demora" else self.atraso_emissao
        resposta = {
            "documents": [{"idIntegracao": documento["idIntegracao"], "prestador": documento["prestador"]["cpfCnpj"], "id": gateway_id}],
            "message": "Nota(as) em processamento",
            "protocol": f"proto-{self.contador}",
        }  # fmt: skip
        return 200, resposta, atraso


CEP_PAULISTA = {
    "cep": "01310100", "state": "SP", "city": "São Paulo", "neighborhood": "Bela Vista", "street": "Avenida Paulista",
    "service": "open-cep", "location": {"type": "Point", "coordinates": {}},
}  # fmt: skip
"""A BrasilAPI CEP v2 answer as public clients read it (docs.rs brasilapi 0.8 src/cep/mod.rs; hexdocs Brasilapi.Cep.API:
cep, state, city, neighborhood, street, service, location); a 404 is {name, message, type, errors}."""


class FakeBrasilAPI(FakeServer):
    """`/api/cnpj/v1/{cnpj}` answering the sample body, or 404 / 429 (plain text) / 500 / a timeout / garbage;
    `/api/cep/v2/{cep}` answering the CEPs it knows (404 otherwise), with the same failure modes."""

    def __init__(self, amostra: dict):
        super().__init__()
        self.amostra = amostra
        self.ceps = {"01310100": CEP_PAULISTA}
        """`/api/cep/v2/{cep}`: the CEPs it knows (v2's fields: cep, state, city, neighborhood, street, service)."""
        self.modo = "ok"
        self.lixo = None
        """With `modo = 'lixo'`: every lookup answers 200 with this body."""

    def responder(self, pedido):
        if self.modo == "lixo":
            return 200, self.lixo, 0
        if self.modo == "404":
            return 404, {"message": "CNPJ 12345678000195 não encontrado.", "type": "not_found"}, 0
        if self.modo == "429":
            return 429, "Too many requests", 0
        if self.modo == "500":
            return 500, {"message": "erro"}, 0
        if self.modo == "timeout":
            return 200, {}, 3
        chave = pedido["path"].rstrip("/").split("/")[-1]
        if pedido["path"].startswith("/api/cep/"):
            if chave not in self.ceps:
                erro = {"name": "CepPromiseError", "message": "Todos os serviços de CEP retornaram erro.",
                        "type": "service_error", "errors": []}  # fmt: skip
                return 404, erro, 0
            return 200, self.ceps[chave], 0
        return 200, {**self.amostra, "cnpj": chave}, 0
