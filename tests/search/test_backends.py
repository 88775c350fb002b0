import uuid

import pytest
from django.db import connection

from search.backends import get_search_backend, reset_backends

from .backend_tests import BackendTests


def _use(settings, params):
    settings.DANGKE_SEARCH_BACKENDS = {"default": params}
    reset_backends()
    return get_search_backend()


@pytest.mark.django_db
class TestEmbeddedSQLite(BackendTests):
    @pytest.fixture
    def backend(self, settings):
        if connection.vendor != "sqlite":
            pytest.skip("embedded/SQLite runs when the test database is SQLite (unset DATABASE_URL)")
        yield _use(settings, {"BACKEND": "search.backends.embedded"})
        reset_backends()


@pytest.mark.django_db
class TestEmbeddedPostgres(BackendTests):
    @pytest.fixture
    def backend(self, settings):
        if connection.vendor != "postgresql":
            pytest.skip("embedded/PostgreSQL runs when DATABASE_URL points at PostgreSQL")
        yield _use(settings, {"BACKEND": "search.backends.embedded"})
        reset_backends()


@pytest.mark.django_db
class TestElasticsearch(BackendTests):
    @pytest.fixture
    def backend(self, settings, elasticsearch_url):
        prefix = f"test-{uuid.uuid4().hex[:8]}"
        backend = _use(settings, {"BACKEND": "search.backends.elasticsearch", "URLS": [elasticsearch_url],
                                  "INDEX_PREFIX": prefix})
        yield backend
        for name in backend.client.indices.get(index=f"{prefix}-*").body:
            backend.client.indices.delete(index=name)
        reset_backends()
