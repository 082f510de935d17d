"""`serve` and `worker` as real processes: first start creates the schema, /healthz answers, clean stop."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import CONTRACT_VARIABLES, TEST_DATABASE_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def process_env(tmp_path, migrated_template):
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env["AGENTNFE_DATA_DIR"] = str(tmp_path / "data")
    if TEST_DATABASE_URL:
        env["DATABASE_URL"] = TEST_DATABASE_URL
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL
        env["NFSE_GATEWAY"] = "mock"
    return env


def start(env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "agentnfe", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen, signum: int = signal.SIGINT) -> str:
    process.send_signal(signum)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"process did not stop on {signal.Signals(signum).name}:\n{output}")
    return output


def wait_for_health(port: int, process: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early:\n{process.stdout.read()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    stop(process)
    pytest.fail("serve did not answer within 30 s")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_creates_the_schema_answers_health_and_stops_on_signal(process_env, signum):
    port = free_port()
    process = start(process_env, "serve", "--port", str(port), "--threads", "2")
    response = wait_for_health(port, process)
    output = stop(process, signum)
    assert process.returncode == 0, output
    assert "Encerrando" in output
    assert response.status_code == 200, output
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["queue"] == "ok"
    assert f"AgentNFe em http://127.0.0.1:{port}/" in output
    if not TEST_DATABASE_URL:
        assert "Running upgrade" in output  # fresh embedded database: schema created on first start
        assert "python -m agentnfe create-user" in output and "seed-demo" in output
        assert "consumidor embutido com 32 threads" in output
        assert (Path(process_env["AGENTNFE_DATA_DIR"]) / "agentnfe.db").exists()


def test_worker_starts_and_stops_cleanly(process_env):
    process = start(process_env, "worker", "-w", "2")
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "The following commands are available" in line or not line:
            break
    time.sleep(1)  # the consumer installs its signal handlers right after that line
    output = "".join(lines) + stop(process)
    assert "Consumidor da fila com 2 threads (" in output
    assert "Shutting down gracefully" in output
    assert process.returncode == 0, output


def test_the_command_list_is_the_products_own_in_portuguese(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env["AGENTNFE_DATA_DIR"] = str(tmp_path / "dados")
    ajuda = subprocess.run([sys.executable, "-m", "agentnfe", "--help"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert ajuda.returncode == 0 and ajuda.stderr == ""  # no log line before the help
    comandos = ajuda.stdout.split("Commands:")[1]
    nomes = {linha.split()[0] for linha in comandos.splitlines() if linha.strip()}
    assert {"run", "shell", "routes", "limiter"}.isdisjoint(nomes) and {"serve", "desktop", "nacional"} <= nomes
    assert "--app" not in ajuda.stdout and "--env-file" not in ajuda.stdout and "--debug" not in ajuda.stdout
    assert "Cria uma contabilidade." in comandos and "Cancela uma nota autorizada" in comandos
    opcoes = subprocess.run([sys.executable, "-m", "agentnfe", "cancelar", "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    assert "Motivo enviado à prefeitura" in opcoes and "Número da nota autorizada" in opcoes
