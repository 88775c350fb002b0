"""A wrong database address: /healthz answers 503 JSON naming the database, pages the site's 503 page."""

import http.client
import json

import pytest

from tests.processes import ROOT, VENV_BIN, Process, django_env, free_port, port_open, wait_until

pytestmark = pytest.mark.faults


@pytest.fixture
def gunicorn_without_database(tmp_path):
    port = free_port()
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/dangke"  # nothing listens there
    env = {**django_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=1, GUNICORN_ACCESS_LOG=""),
           "DATABASE_URL": nowhere, "DATABASE_CONNECT_TIMEOUT": "2"}
    process = Process([VENV_BIN / "gunicorn", "-c", ROOT / "deploy" / "gunicorn.conf.py", "cms.wsgi"],
                      env=env, log=tmp_path / "gunicorn.log")
    try:
        def listening():
            process.expect_alive("gunicorn")
            return port_open(port)

        wait_until(listening, timeout=60, message="gunicorn to listen")
        yield port
    finally:
        process.stop()


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def test_wrong_database_address(gunicorn_without_database):
    status, content_type, body = get(gunicorn_without_database, "/healthz")
    assert status == 503
    assert content_type == "application/json"
    health = json.loads(body)
    assert "database" in health["down"]
    assert "OperationalError" in health["checks"]["database"]["detail"]
    status, content_type, body = get(gunicorn_without_database, "/")
    assert status == 503
    assert "网站正在恢复中" in body


