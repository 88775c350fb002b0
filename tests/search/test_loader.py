import pytest
from django.core.exceptions import ImproperlyConfigured

from search.backends import get_search_backend, load_backend, reset_backends
from search.backends.base import BaseSearchBackend, SearchRequest
from search.backends.embedded import EmbeddedSearchBackend


def test_default_setting_loads_the_embedded_backend(settings):
    reset_backends()
    assert isinstance(get_search_backend(), EmbeddedSearchBackend)


@pytest.mark.parametrize(
    "params",
    [{}, {"BACKEND": "search.backends.nonexistent"}, {"BACKEND": "search.registry"}, "search.backends.embedded"],
)
def test_bad_setting_raises_improperly_configured(params):
    with pytest.raises(ImproperlyConfigured):
        load_backend(params)


def test_missing_alias_raises(settings):
    reset_backends()
    with pytest.raises(ImproperlyConfigured):
        get_search_backend("archive")


def test_elasticsearch_needs_urls():
    with pytest.raises(ImproperlyConfigured):
        load_backend({"BACKEND": "search.backends.elasticsearch", "URLS": [""]})


def test_base_backend_says_what_it_lacks():
    backend = BaseSearchBackend()
    with pytest.raises(NotImplementedError):
        backend.search(SearchRequest(plan=None, audiences=("public",)))
    with pytest.raises(NotImplementedError):
        backend.index_documents([])
    assert BaseSearchBackend.results_class.__name__ == "BackendResults"
