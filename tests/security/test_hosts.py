"""Host headers: the app answers only its own names (PUBLIC_URL's host, the loopback names, ALLOWED_HOSTS), so a
page on another name that resolves to 127.0.0.1 (DNS rebinding) cannot read /metrics, reach the first-run page or
spend a user's login tries."""

import pytest

from agentnfe.infra.config import ConfigError, load_settings

from ..conftest import SENHA, csrf_de

REBIND = "rebind.evil.example:8000"


@pytest.mark.parametrize("caminho", ["/metrics", "/healthz", "/login", "/admin/", "/primeiro-acesso?token=x"])
def test_a_foreign_host_gets_400_on_every_route(client, caminho):
    resposta = client.get(caminho, headers={"Host": REBIND})
    assert resposta.status_code == 400 and "Endereço não reconhecido" in resposta.get_data(as_text=True)
    assert client.get(caminho, headers={"Host": "127.0.0.1:8000"}).status_code != 400


def test_a_refused_host_is_named_once_in_the_log(client, caplog):
    for _ in range(3):
        client.get("/healthz", headers={"Host": REBIND})
    avisos = [r.getMessage() for r in caplog.records if "ALLOWED_HOSTS" in r.getMessage()]
    assert avisos == ["request to host 'rebind.evil.example:8000' refused (400): add it to ALLOWED_HOSTS if it is this "
                      "installation's name"]  # fmt: skip


def test_a_foreign_host_cannot_spend_login_tries(client, firmas):
    pagina = client.get("/login")
    dados = {"email": "admin@a.com", "password": "errada", "csrf_token": csrf_de(pagina.get_data(as_text=True))}
    for _ in range(8):
        assert client.post("/login", data=dados, headers={"Host": REBIND}).status_code == 400
    dados["password"] = SENHA
    assert client.post("/login", data=dados).status_code == 302


def test_the_public_host_and_allowed_hosts_are_answered(make_app):
    ambiente = {"PUBLIC_URL": "https://nfe.example.com.br", "ALLOWED_HOSTS": "nfe-interno.lan, .escritorio.example"}
    cliente = make_app(HOSTS_ACEITOS=load_settings(ambiente)["HOSTS_ACEITOS"]).test_client()
    for host in ("nfe.example.com.br", "nfe-interno.lan:8001", "a.escritorio.example", "localhost", "[::1]:8000"):
        assert cliente.get("/healthz", headers={"Host": host}).status_code != 400, host
    for host in ("example.com.br", "nfe.example.com.br.evil.example", "escritorio.example.evil"):
        assert cliente.get("/healthz", headers={"Host": host}).status_code == 400, host


def test_allowed_hosts_must_be_host_names(clean_env):
    with pytest.raises(ConfigError, match="ALLOWED_HOSTS has an entry that is not a host name: 'http://x'"):
        load_settings({"ALLOWED_HOSTS": "ok.example, http://x"})
