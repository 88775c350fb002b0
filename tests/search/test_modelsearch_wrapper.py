"""Issue 17: search/modelsearch_backend.py wraps modelsearch 1.3 internals. These tests check the exact
internals it relies on and run the admin search end to end, so an upgrade that changes them fails
here, loudly and with what changed, instead of the admin search silently finding nothing Chinese."""

import importlib
import inspect

import modelsearch
import pytest
from django.db import connection
from modelsearch.backends import base as modelsearch_base
from modelsearch.query import PlainText
from wagtail.search.backends import get_search_backend

from cms.models import StandardPage

WRAPPER = "search/modelsearch_backend.py"
BACKEND_MODULES = {"sqlite": "modelsearch.backends.database.sqlite.sqlite",
                   "postgresql": "modelsearch.backends.database.postgres.postgres"}


def _backend_module(vendor: str):
    """The modelsearch module the wrapper subclasses for `vendor`. Each imports models that exist only
    on its own database, so the other one is checked by the run on that database."""
    try:
        return importlib.import_module(BACKEND_MODULES[vendor])
    except LookupError:
        if vendor == connection.vendor:
            raise
        pytest.skip(f"{BACKEND_MODULES[vendor]} imports only on {vendor}: checked by the run on that database")


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_modelsearch_is_the_version_the_wrapper_was_written_for():
    assert modelsearch.VERSION[:2] == (1, 3), (
        f"modelsearch {modelsearch.__version__} is installed; {WRAPPER} overrides internals of 1.3 "
        "(ObjectIndexer.prepare_value, <Index>.add_items, BaseSearchBackend._search). Check them against the "
        "new version, adapt the wrapper, then widen the pin in pyproject.toml."
    )


@pytest.mark.parametrize("vendor", sorted(BACKEND_MODULES))
def test_the_indexer_and_index_internals_the_wrapper_swaps(vendor):
    module = _backend_module(vendor)
    indexer = getattr(module, "ObjectIndexer", None)
    assert inspect.isclass(indexer), (
        f"{module.__name__}.ObjectIndexer is gone: {WRAPPER} subclasses it to analyse indexed text.")
    assert _parameters(indexer.prepare_value) == ["self", "value"], (
        f"{module.__name__}.ObjectIndexer.prepare_value{inspect.signature(indexer.prepare_value)} changed "
        f"(was (self, value)): {WRAPPER} overrides it.")
    backend_class = getattr(module, "SearchBackend", None)
    index_class = getattr(backend_class, "index_class", None)
    assert index_class is not None, f"{module.__name__}.SearchBackend.index_class is gone: {WRAPPER} subclasses it."
    assert _parameters(index_class.add_items) == ["self", "model", "objs"], (
        f"{index_class.__name__}.add_items{inspect.signature(index_class.add_items)} changed (was (self, model, objs)).")
    source = inspect.getsource(index_class.add_items)
    assert "ObjectIndexer(" in source, (
        f"{index_class.__name__}.add_items no longer builds the module's ObjectIndexer by name: {WRAPPER} swaps that "
        "module attribute while add_items runs, which would then have no effect (indexed text not analysed).")


def test_the_search_entry_point_and_query_class_the_wrapper_rewrites():
    assert _parameters(modelsearch_base.BaseSearchBackend._search)[:4] == [
        "self", "query_compiler_class", "query", "model_or_queryset"], (
        f"BaseSearchBackend._search{inspect.signature(modelsearch_base.BaseSearchBackend._search)} changed: {WRAPPER} "
        "overrides _search(self, query_compiler_class, query, model_or_queryset, **kwargs) to analyse the query.")
    assert "operator" in inspect.signature(modelsearch_base.BaseSearchBackend._search).parameters or any(
        p.kind is p.VAR_KEYWORD for p in inspect.signature(modelsearch_base.BaseSearchBackend._search).parameters.values()
    ), "BaseSearchBackend._search no longer takes operator=: the wrapper passes operator='and'."
    query = PlainText("三会一课", operator="and")
    assert (query.query_string, query.operator) == ("三会一课", "and"), (
        "PlainText no longer keeps query_string and operator: the wrapper rebuilds PlainText from them.")


@pytest.mark.django_db
def test_admin_search_end_to_end_through_the_wrapper(client, home_page, make_user):
    backend = get_search_backend()
    assert type(backend).__module__ == "search.modelsearch_backend", (
        "WAGTAILSEARCH_BACKENDS no longer uses search.modelsearch_backend: the admin search would not segment Chinese.")
    page = StandardPage(title="三会一课是党支部的基本制度", introduction="黨課要常講。")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    backend.add(page)
    ours = StandardPage.objects.filter(pk=page.pk)
    # Without the wrapper the stock backend keeps the title as one word, and neither search finds it.
    assert list(ours.search("三会一课")) == [page], "indexed text is not segmented: ObjectIndexer swap had no effect"
    assert list(ours.search("党课")) == [page], "traditional characters are not folded at indexing"
    client.force_login(make_user("wrapper-admin", is_superuser=True, is_staff=True))
    response = client.get("/admin/pages/search/", {"q": "基本制度"})
    assert response.status_code == 200
    assert "三会一课是党支部的基本制度" in response.content.decode(), "the admin page search does not find Chinese titles"
