"""Load generator of the benchmark, run as its own process: `python tools/bench/carga.py < spec.json`.

HTTP/1.1 with keep-alive over asyncio streams (no client library on the hot path, so the loader costs little
CPU beside the server it measures). The spec (JSON on stdin) says what to send:

    {"modo": "fechado", "url": "http://127.0.0.1:8000/webhook/evolution", "conexoes": 8, "segundos": 5,
     "corpo": "evolution" | "vazio", "cabecalhos": {...}, "telefones": [...] | "quantos": 5000}
    {"modo": "aberto", "taxa": 100, ...}  (requests start at a fixed rate whatever the answers take)
    {"modo": "conversa", "roteiro": "rascunho" | "emissao", "usuarios": [phones], "porta_evolution": N, ...}
    (WhatsApp users talking to the bot end to end; this process is also the Evolution API the replies go to)

and the result (JSON on stdout) is {"pedidos", "erros", "segundos", "por_segundo", "p50_ms", "p99_ms", "codigos"}.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from medidas import percentil, resumo  # noqa: E402

FALHAS = (ConnectionError, OSError, asyncio.IncompleteReadError)


class Conexao:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, host: str, porta: int):
        self.host, self.porta = host, porta
        self.leitor = self.escritor = None

    async def pedir(self, metodo: str, caminho: str, corpo: bytes, cabecalhos: dict[str, str]) -> tuple[int, bytes]:
        """Status and body of one request; a failed connection is closed and its error raised."""
        try:
            return await self._pedir(metodo, caminho, corpo, cabecalhos)
        except FALHAS:
            self.fechar()
            raise

    async def tentar(self, metodo: str, caminho: str, corpo: bytes, cabecalhos: dict[str, str]) -> tuple[int, bytes]:
        """As `pedir`, with a failed connection counted as status 0."""
        try:
            return await self.pedir(metodo, caminho, corpo, cabecalhos)
        except FALHAS:
            return 0, b""

    async def _pedir(self, metodo: str, caminho: str, corpo: bytes, cabecalhos: dict[str, str]) -> tuple[int, bytes]:
        if self.escritor is None:
            self.leitor, self.escritor = await asyncio.open_connection(self.host, self.porta)
        linhas = [f"{metodo} {caminho} HTTP/1.1", f"Host: {self.host}:{self.porta}", f"Content-Length: {len(corpo)}"]
        linhas += [f"{nome}: {valor}" for nome, valor in cabecalhos.items()]
        self.escritor.write(("\r\n".join(linhas) + "\r\n\r\n").encode() + corpo)
        status_linha = await self.leitor.readline()
        if not status_linha:
            raise ConnectionError("server closed the connection")
        tamanho, fechar = 0, False
        while (linha := await self.leitor.readline()) not in (b"\r\n", b""):
            nome, _, valor = linha.decode("latin-1").partition(":")
            nome = nome.strip().lower()
            if nome == "content-length":
                tamanho = int(valor)
            elif nome == "connection" and valor.strip().lower() == "close":
                fechar = True
        resposta = await self.leitor.readexactly(tamanho) if tamanho else b""
        if fechar:
            self.fechar()
        return int(status_linha.split()[1]), resposta

    def fechar(self) -> None:
        if self.escritor is not None:
            self.escritor.close()
        self.leitor = self.escritor = None


def anotar(codigos: dict, status: int, corpo: bytes) -> None:
    """Count an answer by HTTP code and, for the webhook, by its `status` (queued, throttled, duplicate…)."""
    chave = str(status)
    if corpo.startswith(b'{"status"'):
        chave += " " + json.loads(corpo)["status"]
    codigos[chave] = codigos.get(chave, 0) + 1


def evento_evolution(texto: str, telefone: str, ident: str) -> bytes:
    """A `messages.upsert` of Evolution API v2 carrying one text (the shape of ../shared/samples/)."""
    data = {
        "key": {"remoteJid": f"{telefone}@s.whatsapp.net", "fromMe": False, "id": ident},
        "pushName": "Carga",
        "message": {"conversation": texto},
        "messageType": "conversation",
        "messageTimestamp": int(time.time()),
    }
    return json.dumps({"event": "messages.upsert", "instance": "bench", "data": data}).encode()


def gerador_de_corpos(spec: dict):
    """Bodies for each request: distinct Evolution message ids spread over the spec's phones, or empty."""
    if spec.get("corpo") != "evolution":
        return itertools.repeat(b"")
    telefones = itertools.cycle(spec.get("telefones") or [f"55119{n:08d}" for n in range(spec.get("quantos", 5000))])
    prefixo = spec.get("prefixo", f"B{os.getpid()}")
    return (evento_evolution(f"mensagem {n}", next(telefones), f"{prefixo}-{n}") for n in itertools.count())


async def fechado(spec: dict) -> dict:
    """`conexoes` clients, each sending its next request as soon as the last is answered."""
    partes = urlsplit(spec["url"])
    corpos = gerador_de_corpos(spec)
    metodo = "POST" if spec.get("corpo") == "evolution" else "GET"
    cabecalhos = {"Content-Type": "application/json", **spec.get("cabecalhos", {})}
    fim = time.perf_counter() + spec["segundos"]
    tempos, codigos = [], {}

    async def cliente():
        conexao = Conexao(partes.hostname, partes.port)
        while time.perf_counter() < fim:
            inicio = time.perf_counter()
            status, corpo = await conexao.tentar(metodo, partes.path, next(corpos), cabecalhos)
            tempos.append(time.perf_counter() - inicio)
            anotar(codigos, status, corpo)
        conexao.fechar()

    inicio = time.perf_counter()
    await asyncio.gather(*(cliente() for _ in range(spec["conexoes"])))
    return resumo(tempos, codigos, time.perf_counter() - inicio)


async def aberto(spec: dict) -> dict:
    """Requests started at `taxa` per second on a pool of connections; latency counts from the planned start,
    so a server that falls behind shows it (no coordinated omission)."""
    partes = urlsplit(spec["url"])
    corpos = gerador_de_corpos(spec)
    cabecalhos = {"Content-Type": "application/json", **spec.get("cabecalhos", {})}
    livres: asyncio.Queue[Conexao] = asyncio.Queue()
    for _ in range(spec.get("conexoes", 64)):
        livres.put_nowait(Conexao(partes.hostname, partes.port))
    tempos, codigos = [], {}

    async def um(planejado: float, corpo: bytes):
        conexao = await livres.get()
        status, resposta = await conexao.tentar("POST", partes.path, corpo, cabecalhos)
        livres.put_nowait(conexao)
        tempos.append(time.perf_counter() - planejado)
        anotar(codigos, status, resposta)

    total = int(spec["taxa"] * spec["segundos"])
    inicio = time.perf_counter()
    tarefas = []
    for n in range(total):
        planejado = inicio + n / spec["taxa"]
        await asyncio.sleep(max(0.0, planejado - time.perf_counter()))
        tarefas.append(asyncio.create_task(um(planejado, next(corpos))))
    await asyncio.gather(*tarefas)
    return resumo(tempos, codigos, time.perf_counter() - inicio)


class EvolutionFalsa:
    """Evolution's `sendText` on a port of this process: each reply goes to the queue of its phone."""

    def __init__(self):
        self.caixas: dict[str, asyncio.Queue] = {}
        self.recebidas = 0
        self.prefixo = f"OUT{os.getpid()}{time.time_ns()}"
        """Message ids unique across runs, as Evolution's are (the product keeps them unique)."""

    def caixa(self, telefone: str) -> asyncio.Queue:
        return self.caixas.setdefault(telefone, asyncio.Queue())

    async def atender(self, leitor: asyncio.StreamReader, escritor: asyncio.StreamWriter) -> None:
        try:
            while await leitor.readline():  # a request line: read its headers and body
                tamanho = 0
                while (cabecalho := await leitor.readline()) not in (b"\r\n", b""):
                    nome, _, valor = cabecalho.decode("latin-1").partition(":")
                    if nome.strip().lower() == "content-length":
                        tamanho = int(valor)
                corpo = json.loads(await leitor.readexactly(tamanho) or b"{}")
                numero, texto = str(corpo.get("number", "")), corpo.get("text", "")
                self.recebidas += 1
                self.caixa(numero).put_nowait((time.perf_counter(), texto))
                resposta = json.dumps(
                    {"key": {"remoteJid": f"{numero}@s.whatsapp.net", "fromMe": True, "id": f"{self.prefixo}-{self.recebidas}"},
                     "status": "PENDING"}
                ).encode()  # fmt: skip
                escritor.write(
                    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(resposta)}\r\n\r\n".encode()
                    + resposta
                )
                await escritor.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError, ValueError):
            pass  # the app closed the connection, or the run is over
        finally:
            escritor.close()


PEDIDO_REGRAS = "nota de R$ {valor},00 para o CNPJ {cnpj}, consultoria de março"
PEDIDO_LLM = "nota para o CNPJ {cnpj}, consultoria: {valor} de horas e 300 de deslocamento"
"""Two loose values: the rules cannot choose, the LLM settles the value (`precisa_llm`)."""
ANUNCIOS = ("✅", "❌", "⚠️")


async def conversa(spec: dict) -> dict:
    """Users on WhatsApp, each sending its next message when the last was answered (closed loop).

    `roteiro` "rascunho": a note request (a share `llm` of them worded so only the LLM settles the value), then
    "cancelar", again and again for `segundos`. "emissao": one request, "sim", then the wait for the announcement
    of the authorized (or refused) note."""
    partes = urlsplit(spec["url"])
    evolution = EvolutionFalsa()
    servidor = await asyncio.start_server(evolution.atender, "127.0.0.1", spec["porta_evolution"])
    cabecalhos = {"Content-Type": "application/json", "X-Webhook-Token": spec["token"]}
    espera, tempos, sem_resposta, llm = spec.get("espera_s", 30), [], [0], [0]
    anuncios: list[tuple[float, float]] = []
    contador = itertools.count()
    comeco = time.perf_counter()
    fim = time.perf_counter() + spec.get("segundos", 0)

    conexoes: asyncio.Queue[Conexao] = asyncio.Queue()
    for _ in range(spec.get("conexoes", 16)):  # a provider delivers webhooks over a few pooled connections
        conexoes.put_nowait(Conexao(partes.hostname, partes.port))

    async def dizer(telefone: str, texto: str) -> float:
        corpo = evento_evolution(texto, telefone, f"{spec['prefixo']}-{next(contador)}")
        inicio = time.perf_counter()
        conexao = await conexoes.get()
        try:
            status, resposta = await conexao.pedir("POST", partes.path, corpo, cabecalhos)
        finally:
            conexoes.put_nowait(conexao)
        if status != 200 or b"queued" not in resposta:
            raise RuntimeError(f"webhook answered {status} {resposta[:200]!r}")
        return inicio

    async def ouvir(telefone: str, inicio: float, anuncio: bool = False) -> float | None:
        caixa = evolution.caixa(telefone)
        limite = inicio + (spec.get("espera_anuncio_s", 120) if anuncio else espera)
        while (resta := limite - time.perf_counter()) > 0:
            try:
                chegou, texto = await asyncio.wait_for(caixa.get(), resta)
            except TimeoutError:
                break
            if not anuncio or texto.startswith(ANUNCIOS):
                return chegou - inicio
        return None

    async def turno(telefone: str, texto: str) -> None:
        caixa = evolution.caixa(telefone)
        while not caixa.empty():  # late messages of an earlier turn
            caixa.get_nowait()
        inicio = await dizer(telefone, texto)
        tempo = await ouvir(telefone, inicio)
        if tempo is None:
            sem_resposta[0] += 1
            print(f"no answer to {texto!r} from {telefone} in {espera} s", file=sys.stderr)
        elif inicio < fim or spec["roteiro"] == "emissao":
            tempos.append(tempo)
            if tempo > 5 and os.environ.get("XDEBUG"):
                print(f"slow {inicio - comeco:.1f} {tempo:.1f} {telefone} {texto[:20]}", file=sys.stderr)

    async def usuario(n: int, telefone: str) -> None:
        if spec["roteiro"] == "emissao":
            await turno(telefone, PEDIDO_REGRAS.format(valor=1000 + n, cnpj=spec["cnpj"]))
            inicio = await dizer(telefone, "sim")
            tempo = await ouvir(telefone, inicio, anuncio=True)
            if tempo is not None:
                anuncios.append((inicio, inicio + tempo))
            return
        k = 0
        while time.perf_counter() < fim:
            com_llm = (n * 7 + k) % 100 < spec.get("llm", 0) * 100
            modelo = PEDIDO_LLM if com_llm else PEDIDO_REGRAS
            llm[0] += com_llm
            await turno(telefone, modelo.format(valor=1000 + k % 900, cnpj=spec["cnpj"]))
            await turno(telefone, "cancelar")
            k += 1

    inicio = time.perf_counter()
    await asyncio.gather(*(usuario(n, telefone) for n, telefone in enumerate(spec["usuarios"])))
    segundos = spec.get("segundos") or time.perf_counter() - inicio  # answers to what was sent in the window
    servidor.close()
    while not conexoes.empty():
        conexoes.get_nowait().fechar()
    resultado = resumo(tempos, {"200 respondida": len(tempos), "sem resposta": sem_resposta[0]}, segundos)
    resultado["pedidos_llm"] = llm[0]
    if spec["roteiro"] == "emissao":
        duracoes = [fim_ - comeco for comeco, fim_ in anuncios]
        janela = (max(f for _, f in anuncios) - min(c for c, _ in anuncios)) if anuncios else 0.0
        resultado.update(
            notas=len(spec["usuarios"]),
            anunciadas=len(anuncios),
            notas_por_segundo=round(len(anuncios) / janela, 2) if janela else 0.0,
            confirmacao_ao_anuncio_p50_ms=round(percentil(duracoes, 50) * 1000),
            confirmacao_ao_anuncio_p99_ms=round(percentil(duracoes, 99) * 1000),
        )
    return resultado


MODOS = {"fechado": fechado, "aberto": aberto, "conversa": conversa}


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(MODOS[spec["modo"]](spec)), sys.stdout)


if __name__ == "__main__":
    main()
