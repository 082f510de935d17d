"""The app as deployed: `python -m agentnfe serve` (waitress) behind the shipped deploy/Caddyfile, both real
processes on loopback. Caddy sees each test client at its own loopback address (127.0.0.2, 127.0.0.3, …), as it
would see clients on the internet, and the app must believe only what Caddy forwards.

The Caddyfile is the one in deploy/ with four local changes: plain HTTP on a free port (no certificate authority
is reachable here), the upstreams replaced by the one `serve` of the test, the access log written into the
test's folder, and Caddy's admin endpoint off. The caddy unit's drop-in (deploy/systemd/caddy.service.d/) is
honoured for the file mode of the log: its UMask is applied to the Caddy process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..conftest import NO_EXTERNAL_SERVICES, falta_no_ambiente
from ..test_cli_server import free_port

RAIZ = Path(__file__).resolve().parents[2]
DEPLOY = RAIZ / "deploy"
DROPIN_CADDY = DEPLOY / "systemd" / "caddy.service.d" / "agentnfe.conf"


def umask_do_dropin() -> int:
    """The UMask= the shipped drop-in gives Caddy (systemd's default 0022 without one)."""
    achado = re.search(r"^UMask=(\d+)", DROPIN_CADDY.read_text(), re.M) if DROPIN_CADDY.exists() else None
    return int(achado.group(1), 8) if achado else 0o022


def caddyfile_local(porta_caddy: int, porta_app: int, log: Path) -> str:
    texto = (DEPLOY / "Caddyfile").read_text()
    texto, sites = re.subn(r"^nfe\.example\.com\.br \{", f"http://127.0.0.1:{porta_caddy} {{", texto, flags=re.M)
    texto, upstreams = re.subn(r"reverse_proxy 127\.0\.0\.1:\d+( 127\.0\.0\.1:\d+)*", "reverse_proxy "
                               f"127.0.0.1:{porta_app}", texto)  # fmt: skip
    texto, logs = re.subn(r"/var/log/caddy/agentnfe-access\.log", str(log), texto)
    assert (sites, upstreams, logs) == (1, 1, 1), "deploy/Caddyfile changed shape: update tests/security/pilha_real.py"
    return "{\n\tadmin off\n}\n\n" + texto


@dataclass
class Pilha:
    url: str
    """Caddy's address: what every client talks to."""
    url_app: str
    """waitress's own address (loopback, as /metrics is meant to be scraped)."""
    log: Path
    """Caddy's JSON access log."""
    caddy: subprocess.Popen

    def parar_caddy(self) -> None:
        """Stop Caddy now (its log is complete once it has exited)."""
        _parar(self.caddy)

    def cliente(self, endereco: str = "127.0.0.2", **kwargs) -> httpx.Client:
        """A client whose connections leave from `endereco` (any 127.x address): a distinct client for Caddy."""
        transporte = httpx.HTTPTransport(local_address=endereco)
        return httpx.Client(base_url=self.url, transport=transporte, timeout=30, **kwargs)


def _esperar(url: str, processo: subprocess.Popen, nome: str) -> None:
    limite = time.monotonic() + 40
    while time.monotonic() < limite:
        if processo.poll() is not None:
            raise AssertionError(f"{nome} exited early:\n{processo.stdout.read()}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{nome} did not answer within 40 s")


def _parar(processo: subprocess.Popen) -> None:
    if processo.poll() is not None:
        return
    processo.terminate()
    try:
        processo.wait(20)
    except subprocess.TimeoutExpired:
        processo.kill()
        processo.wait()


def subir(pasta: Path, ambiente_extra: dict[str, str]):
    """Start `serve` and Caddy; yields a Pilha and stops both. The environment is the test's (data dir, database,
    Redis as the `make_app` fixture left them) plus `ambiente_extra`."""
    caddy = shutil.which("caddy")
    if caddy is None:
        falta_no_ambiente("caddy is missing (.ci/run installs it)")
    porta_app, porta_caddy = free_port(), free_port()
    ambiente = {**os.environ, **NO_EXTERNAL_SERVICES, "NFSE_GATEWAY": "mock", "TRUSTED_PROXIES": "127.0.0.1"}
    ambiente["PUBLIC_URL"] = f"http://127.0.0.1:{porta_caddy}"
    ambiente.update(ambiente_extra)
    app = subprocess.Popen(
        [sys.executable, "-m", "agentnfe", "serve", "--port", str(porta_app), "--no-worker"],
        cwd=RAIZ, env=ambiente, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    log = pasta / "caddy" / "agentnfe-access.log"
    log.parent.mkdir(parents=True)
    configuracao = pasta / "Caddyfile"
    configuracao.write_text(caddyfile_local(porta_caddy, porta_app, log))
    casa = pasta / "caddy-home"
    ambiente_caddy = {"PATH": os.environ["PATH"], "HOME": str(casa), "XDG_DATA_HOME": str(casa / "data"),
                      "XDG_CONFIG_HOME": str(casa / "config")}  # fmt: skip
    mascara = umask_do_dropin()
    proxy = None
    try:
        _esperar(f"http://127.0.0.1:{porta_app}/healthz", app, "serve")
        proxy = subprocess.Popen(
            [caddy, "run", "--config", str(configuracao), "--adapter", "caddyfile"],
            cwd=pasta, env=ambiente_caddy, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=lambda: os.umask(mascara),
        )  # fmt: skip
        _esperar(f"http://127.0.0.1:{porta_caddy}/healthz", proxy, "caddy")
        yield Pilha(f"http://127.0.0.1:{porta_caddy}", f"http://127.0.0.1:{porta_app}", log, proxy)
    finally:
        if proxy is not None:
            _parar(proxy)
        _parar(app)
