"""The processes a benchmark run starts: the app as deployed (`serve`, `worker`), the yardsticks and the loader."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]
AQUI = Path(__file__).resolve().parent


def porta_livre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esperar_porta(porta: int, processo: subprocess.Popen, log: Path, segundos: float = 60) -> None:
    """Until something accepts connections on the port; the process's log when it died first."""
    fim = time.monotonic() + segundos
    while time.monotonic() < fim:
        if processo.poll() is not None:
            raise RuntimeError(f"process exited with {processo.returncode}; its log:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", porta), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {porta} after {segundos} s; log:\n{log.read_text()[-3000:]}")


class Processo:
    """A child process with its output in a log file; stopped with SIGTERM (SIGKILL after 15 s)."""

    def __init__(self, nome: str, args: list[str], env: dict, pasta: Path, porta: int | None = None):
        self.nome, self.log = nome, pasta / f"{nome}.log"
        self.arquivo = self.log.open("ab")
        self.popen = subprocess.Popen(args, env=env, cwd=RAIZ, stdout=self.arquivo, stderr=subprocess.STDOUT)
        if porta is not None:
            esperar_porta(porta, self.popen, self.log)

    def rss_mb(self) -> float:
        """Resident memory now (VmRSS), in MB."""
        for linha in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if linha.startswith("VmRSS:"):
                return round(int(linha.split()[1]) / 1024, 1)
        return 0.0

    def parar(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.arquivo.close()


def agentnfe(nome: str, comando: list[str], env: dict, pasta: Path, porta: int | None = None) -> Processo:
    return Processo(nome, [sys.executable, "-m", "agentnfe", *comando], env, pasta, porta)


def referencia(tipo: str, threads: int, pasta: Path) -> tuple[Processo, int]:
    porta = porta_livre()
    args = [sys.executable, str(AQUI / "referencias.py"), tipo, str(porta), str(threads)]
    return Processo(f"referencia-{tipo}", args, dict(os.environ), pasta, porta), porta


def json_de(script: str, pasta: Path, log: str, *argumentos: str, env: dict | None = None, spec=None) -> dict:
    """Run a script of tools/bench/ to the end (its stderr into `log`, `spec` as JSON on its stdin); the JSON it
    prints."""
    entrada = json.dumps(spec).encode() if spec is not None else None
    with (pasta / log).open("ab") as erros:
        saida = subprocess.run(
            [sys.executable, str(AQUI / script), *argumentos], input=entrada, env=env, stdout=subprocess.PIPE,
            stderr=erros, check=True,
        ).stdout  # fmt: skip
    return json.loads(saida)


def carregar(spec: dict, pasta: Path, nome: str) -> dict:
    """Run the loader (tools/bench/carga.py) as its own process with this spec; its JSON result."""
    return json_de("carga.py", pasta, f"carga-{nome}.log", spec=spec)
