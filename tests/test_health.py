"""GET /healthz: real probes of database, cache and queue; 503 only for database or queue."""

from huey.storage import RedisStorage

from agentnfe.extensions import huey

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
