"""deploy/ validates: the Caddyfile with `caddy validate`, the systemd units with `systemd-analyze verify`, and
each Redis configuration in a real redis-server (queue never evicts, cache evicts, on separate instances)."""

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from .conftest import falta_no_ambiente

RAIZ = Path(__file__).resolve().parent.parent
DEPLOY = RAIZ / "deploy"


def programa(nome: str) -> str:
    caminho = shutil.which(nome)
    if caminho is None:
        falta_no_ambiente(f"{nome} is missing (.ci/run installs it)")
    return caminho


def test_the_caddyfile_validates():
    resultado = subprocess.run(
        [programa("caddy"), "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert resultado.returncode == 0, resultado.stderr
    texto = (DEPLOY / "Caddyfile").read_text()
    portas = re.findall(r"127\.0\.0\.1:(\d+)", texto)
    assert len(portas) >= 2 and "lb_policy least_conn" in texto and "health_uri /healthz" in texto


def test_the_systemd_units_verify(tmp_path):
    """Verified as installed: the venv's python and the checkout replaced by this test's, one web instance."""
    ambiente = tmp_path / "agentnfe.env"
    shutil.copy(DEPLOY / "agentnfe.env.example", ambiente)
    unidades = []
    for unidade in sorted(u for u in (DEPLOY / "systemd").iterdir() if u.is_file()):  # not Caddy's drop-in folder
        texto = unidade.read_text()
        texto = texto.replace("/opt/agentnfe/.venv/bin/python", sys.executable).replace("/opt/agentnfe", str(RAIZ))
        texto = texto.replace("/etc/agentnfe/agentnfe.env", str(ambiente))
        nome = unidade.name.replace("@.service", "@8001.service")
        (tmp_path / nome).write_text(texto)
        if nome.startswith("agentnfe-web@"):
            (tmp_path / unidade.name).write_text(texto)  # the template the instance comes from
        unidades.append(str(tmp_path / nome))
    resultado = subprocess.run(
        [programa("systemd-analyze"), "verify", *unidades], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert resultado.returncode == 0, resultado.stderr
    assert "agentnfe-backup.timer" in " ".join(unidades) and "agentnfe-worker.service" in " ".join(unidades)


def _porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_queue_and_cache_redis_configurations_run_as_written(tmp_path):
    politicas = {}
    for nome in ("redis-queue.conf", "redis-cache.conf"):
        porta = _porta_livre()
        processo = subprocess.Popen(
            [programa("redis-server"), str(DEPLOY / nome), "--port", str(porta), "--dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            cliente = redis.Redis(port=porta)
            for _ in range(100):
                try:
                    politicas[nome] = cliente.config_get("maxmemory-policy")["maxmemory-policy"]
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            cliente.close()
        finally:
            processo.terminate()
            saida, _ = processo.communicate(timeout=10)
        assert nome in politicas, saida
    assert politicas == {"redis-queue.conf": "noeviction", "redis-cache.conf": "allkeys-lru"}
    portas = {
        nome: re.search(r"^port (\d+)", (DEPLOY / nome).read_text(), re.MULTILINE).group(1)
        for nome in ("redis-queue.conf", "redis-cache.conf")
    }
    exemplo = (DEPLOY / "agentnfe.env.example").read_text()
    assert f"REDIS_URL=redis://127.0.0.1:{portas['redis-queue.conf']}/" in exemplo
    assert f"REDIS_CACHE_URL=redis://127.0.0.1:{portas['redis-cache.conf']}/" in exemplo
