"""GET /healthz: real probes of database, cache and queue; 503 only for database or queue."""

from huey.storage import RedisStorage

from agentnfe.infra.extensions import huey

DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok", "llm": "disabled", "gateway": "ok"},
    }


def test_llm_reports_configuration_without_calling_it(make_app):
    app = make_app(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:1/v1")
    assert app.test_client().get("/healthz").get_json()["checks"]["llm"] == "ok"


def test_plugnotas_without_key_is_degraded_but_up(make_app):
    app = make_app(NFSE_GATEWAY="plugnotas")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["checks"]["gateway"] == "error"


def test_database_down_is_503(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////proc/agentnfe-missing/db.sqlite")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["checks"]["database"] == "error"


def test_queue_down_is_503(app, client, monkeypatch):
    monkeypatch.setattr(huey, "storage", RedisStorage("agentnfe", url=DEAD_REDIS))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["queue"] == "error"
    assert response.get_json()["checks"]["database"] == "ok"


def test_cache_down_is_degraded_but_200(make_app):
    app = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=DEAD_REDIS)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["checks"]["cache"] == "error"


def _sonda():
    import sqlalchemy as sa

    from agentnfe.infra.extensions import db
    from agentnfe.models import SondaEscrita

    instante = db.session.scalar(sa.select(SondaEscrita.instante).where(SondaEscrita.id == 1))
    db.session.rollback()
    return instante


PUBLICO = {"REMOTE_ADDR": "203.0.113.9"}


def test_a_public_client_gets_read_only_answers_the_operator_the_write_probes(app, client):
    antes = _sonda()
    publica = client.get("/healthz", environ_base=PUBLICO)
    assert publica.status_code == 200 and publica.get_json()["checks"]["database"] == "ok"
    assert _sonda() == antes  # nothing written for an anonymous client
    assert client.get("/healthz").status_code == 200  # local: the write probe runs
    assert _sonda() is not None and _sonda() != antes


def test_a_public_client_still_learns_that_the_database_is_down(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////proc/agentnfe-missing/db.sqlite")
    response = app.test_client().get("/healthz", environ_base=PUBLICO)
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "error"


def test_public_health_checks_are_rate_limited_the_operators_are_not(app, client):
    estados = [client.get("/healthz", environ_base=PUBLICO).status_code for _ in range(61)]
    assert estados[:60] == [200] * 60 and estados[60] == 429
    assert all(client.get("/healthz").status_code == 200 for _ in range(70))
