"""Fixtures for the search tests: a test document type, backends to run the shared mixin against,
and a real Elasticsearch-protocol server (noida-db) on a free loopback port."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _noida_binary() -> Path | None:
    try:
        import noida_db
    except ImportError:
        return None
    binary = Path(noida_db.__file__).parent / "noida-db"
    return binary if binary.exists() else None


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory):
    """An ES 8-protocol server for this test session; skips when noida-db cannot run here."""
    if os.environ.get("TEST_ELASTICSEARCH_URL"):
        yield os.environ["TEST_ELASTICSEARCH_URL"]
        return
    binary = _noida_binary()
    if binary is None:
        pytest.skip("noida-db is not installed (pip install -e .[dev]): no Elasticsearch server to test against")
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("noida")
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(binary), "start", "--data-dir", str(data_dir), "--only", "elasticsearch",
         "--host", "127.0.0.1", "--elasticsearch-port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.skip(f"noida-db did not start: {(data_dir / 'server.log').read_text(errors='replace')[-500:]}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def note_document_type():
    """A document type over cms.StandardPage, registered for one test: pages under the test's site
    become documents ("note"), members-only when a login restriction covers them."""
    from cms.models import StandardPage
    from search import registry
    from search.registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, DocumentType, SearchDocument

    def build(page):
        if not page.live:
            return None
        restricted = page.get_view_restrictions().exists()
        return SearchDocument(
            doc_type="note",
            pk=page.pk,
            title=page.title,
            url=page.url or "",
            summary=page.introduction,
            facets={"topic": ["测试"]},
            audience=AUDIENCE_MEMBERS if restricted else AUDIENCE_PUBLIC,
            published_at=page.first_published_at,
            suggest=[page.title],
        )

    document_type = DocumentType(
        name="note", label="笔记", model=StandardPage, build=build,
        queryset=lambda: StandardPage.objects.live(),
    )
    registry.register(document_type)
    yield document_type
    registry._registry.pop("note", None)


