"""`desktop` as a real process on a fresh data dir: /login and /healthz, a first-run page that works once with
the token of the printed URL, the daily backup, and a clean stop (Ctrl-C or "Sair") that leaves queued tasks
queued."""

import os
import re
import signal
import subprocess
import time

import httpx
import pytest

from agentnfe.app import create_app
from agentnfe.infra.extensions import huey

from .conftest import CONTRACT_VARIABLES, csrf_de
from .test_cli_server import free_port, start, stop, wait_for_health

SENHA = "senha-forte-123"


@pytest.fixture
def ambiente(tmp_path):
    """The desktop's environment: embedded defaults only (no DATABASE_URL or REDIS_URL, whatever the mode)."""
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env["AGENTNFE_DATA_DIR"] = str(tmp_path / "dados")
    return env


def linha_com(processo: subprocess.Popen, padrao: str, prazo: float = 60) -> str:
    """Read the process's output until a line matches `padrao`."""
    limite = time.monotonic() + prazo
    while time.monotonic() < limite:
        linha = processo.stdout.readline()
        if re.search(padrao, linha):
            return linha
        if not linha and processo.poll() is not None:
            break
    processo.kill()
    pytest.fail(f"no line matching {padrao!r}:\n{processo.stdout.read()}")


def agendar_tarefa(dados) -> None:
    """Put a task in the desktop's queue for an hour from now (as a retry would), from this test process."""
    from tasks.entrega import send_reply

    app = create_app({"DATA_DIR": dados, "HUEY_IMMEDIATE": False, "TESTING": True})
    with app.app_context():
        send_reply.schedule(args=(1,), delay=3600)


def agendadas(dados) -> int:
    """Tasks kept in the desktop's queue: waiting in it, or taken by the consumer and scheduled for later."""
    app = create_app({"DATA_DIR": dados, "HUEY_IMMEDIATE": False, "TESTING": True})
    with app.app_context():
        return huey.storage.queue_size() + huey.storage.schedule_size()


def backups(dados) -> list:
    return sorted((dados / "backups").glob("agentnfe-backup-*.tar.gz"))


def esperar(condicao, prazo: float = 30) -> bool:
    limite = time.monotonic() + prazo
    while time.monotonic() < limite:
        if condicao():
            return True
        time.sleep(0.2)
    return False


def test_first_run_creates_the_firm_once_and_ctrl_c_keeps_queued_tasks(ambiente, tmp_path):
    dados = tmp_path / "dados"
    porta = free_port()
    processo = start(ambiente, "desktop", "--no-browser", "--port", str(porta))
    endereco = re.search(r"http://\S+", linha_com(processo, "Primeiro acesso")).group(0)
    assert endereco.startswith(f"http://127.0.0.1:{porta}/primeiro-acesso?token=")
    assert wait_for_health(porta, processo).status_code == 200
    with httpx.Client(base_url=f"http://127.0.0.1:{porta}", timeout=10) as cliente:
        assert cliente.get("/login").status_code == 200
        assert cliente.get("/primeiro-acesso").status_code == 403
        assert cliente.get("/primeiro-acesso?token=adivinhado").status_code == 403
        pagina = cliente.get(endereco)
        assert pagina.status_code == 200 and "Nome da contabilidade" in pagina.text
        token = endereco.split("token=")[1]
        criado = cliente.post(
            "/primeiro-acesso",
            data={"csrf_token": csrf_de(pagina.text), "token": token, "contabilidade": "Contabilidade Silva",
                  "email": "ana@silva.com.br", "senha": SENHA, "confirmacao": SENHA},
        )  # fmt: skip
        assert criado.status_code == 302 and criado.headers["location"].endswith("/admin/")
        painel = cliente.get("/admin/")
        assert painel.status_code == 200 and "Sair" in painel.text
        assert cliente.get(endereco).status_code == 404  # once, never again
    assert esperar(lambda: len(backups(dados)) == 1), "no daily backup on the first start"
    agendar_tarefa(dados)
    time.sleep(1.5)  # the consumer takes it from the queue into its schedule
    saida = stop(processo, signal.SIGINT)
    assert processo.returncode == 0, saida
    assert agendadas(dados) == 1  # still queued for the next start


def test_sair_stops_the_app_and_no_second_backup_the_same_day(ambiente, tmp_path):
    dados = tmp_path / "dados"
    app = create_app({"DATA_DIR": dados, "TESTING": True})
    with app.app_context():
        from agentnfe.cli.comum import upgrade_database
        from agentnfe.contas import criar_contabilidade, criar_usuario
        from agentnfe.infra.extensions import db
        from agentnfe.models import Papel

        upgrade_database()
        criar_contabilidade(db.session, "Contabilidade Silva")
        criar_usuario(db.session, "ana@silva.com.br", Papel.ADMIN, SENHA, "Contabilidade Silva")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    porta = free_port()
    processo = start(ambiente, "desktop", "--no-browser", "--port", str(porta))
    wait_for_health(porta, processo)
    assert esperar(lambda: len(backups(dados)) == 1)
    with httpx.Client(base_url=f"http://127.0.0.1:{porta}", timeout=10) as cliente:
        assert cliente.get("/primeiro-acesso?token=x").status_code == 404  # a user exists: no first run
        entrada = cliente.get("/login")
        cliente.post(
            "/login", data={"csrf_token": csrf_de(entrada.text), "email": "ana@silva.com.br", "password": SENHA}
        )
        pergunta = cliente.get("/sair")
        assert pergunta.status_code == 200 and "Encerrar o AgentNFe" in pergunta.text
        encerrado = cliente.post("/sair", data={"csrf_token": csrf_de(pergunta.text)})
        assert encerrado.status_code == 200 and "foi encerrado" in encerrado.text
    try:
        processo.wait(20)
    except subprocess.TimeoutExpired:
        processo.kill()
        pytest.fail("Sair did not stop the app")
    assert processo.returncode == 0, processo.stdout.read()
    assert len(backups(dados)) == 1  # the day's backup exists: none again on the second start


def test_desktop_refuses_server_mode(ambiente):
    ambiente["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    ambiente["NFSE_GATEWAY"] = "mock"
    processo = start(ambiente, "desktop", "--no-browser", "--port", str(free_port()))
    saida, _ = processo.communicate(timeout=60)
    assert processo.returncode != 0 and "modo embutido" in saida


def _firma_com_nota_autorizada(dados) -> int:
    """A firm, its admin and an authorized note, written straight into the desktop's database."""
    from agentnfe.cli.comum import upgrade_database
    from agentnfe.contas import criar_contabilidade, criar_usuario
    from agentnfe.infra.extensions import db
    from agentnfe.models import Papel, StatusNFSe

    from . import factories

    app = create_app({"DATA_DIR": dados, "TESTING": True})
    with app.app_context():
        upgrade_database()
        firma = criar_contabilidade(db.session, "Contabilidade Silva")
        criar_usuario(db.session, "ana@silva.com.br", Papel.ADMIN, SENHA, "Contabilidade Silva")
        nota = factories.nota(db.session, factories.empresa(db.session, firma), status=StatusNFSe.CONCLUIDA)
        db.session.commit()
        nota_id = nota.id
        db.session.remove()
        db.engine.dispose()
    return nota_id


def test_on_any_port_the_notes_links_point_where_the_desktop_listens(ambiente, tmp_path):
    nota_id = _firma_com_nota_autorizada(tmp_path / "dados")
    porta = free_port()
    assert porta != 8000
    processo = start(ambiente, "desktop", "--no-browser", "--port", str(porta))
    wait_for_health(porta, processo)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{porta}", timeout=10) as cliente:
            entrada = cliente.get("/login")
            cliente.post("/login", data={"csrf_token": csrf_de(entrada.text), "email": "ana@silva.com.br",
                                         "password": SENHA})  # fmt: skip
            pagina = cliente.get(f"/admin/notas/details/?id={nota_id}").text
            link = re.search(r'href="(http[^"]+/n/[^"]+)"[^>]*>PDF da nota', pagina).group(1)
            assert link.startswith(f"http://127.0.0.1:{porta}/n/")
            resposta = httpx.get(link, timeout=10)  # the PDF may still be on its way (503): the app itself answers
            assert resposta.headers.get("server") == "AgentNFe" and resposta.status_code in (200, 503)
    finally:
        stop(processo, signal.SIGINT)


def test_serve_warns_when_public_url_points_elsewhere_on_this_computer(ambiente):
    porta = free_port()
    processo = start({**ambiente, "PUBLIC_URL": "http://127.0.0.1:8000"}, "serve", "--port", str(porta), "--no-worker")
    aviso = linha_com(processo, "PUBLIC_URL")
    stop(processo, signal.SIGINT)
    assert f"escuta na {porta}" in aviso and "os links das notas não vão abrir" in aviso
