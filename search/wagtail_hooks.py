from types import SimpleNamespace

from django.db.models.signals import post_delete, post_save
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .analysis import dictionary_changed
from .models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "search"
    menu_label = "同义词与简称"
    menu_name = "search-synonyms"
    add_to_admin_menu = True
    menu_order = 800
    list_display = ["term", "alternatives", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["term", "alternatives"]


register_snippet(SynonymViewSet)


def _synonyms_changed(sender, **kwargs):
    # Queries use the new list at once, in every process; no reindex needed (expansion is at query time).
    dictionary_changed()


post_save.connect(_synonyms_changed, sender=Synonym, dispatch_uid="search.synonyms.save")
post_delete.connect(_synonyms_changed, sender=Synonym, dispatch_uid="search.synonyms.delete")


@hooks.register("dangke_health_checks")
def search_health():
    from .backends import get_search_backend

    try:
        backend = get_search_backend()
        ok, detail = backend.check()
    except Exception as exc:  # any backend failure is reported, not raised
        return SimpleNamespace(name="search", ok=False, detail=f"{type(exc).__name__}: {exc}")
    return SimpleNamespace(name="search", ok=ok, detail=detail)


@hooks.register("dangke_demo_content", order=90)
def rebuild_search_index(*, home_page, stdout):
    from .services import rebuild_index

    count = rebuild_index()
    stdout.write(f"搜索索引：{count} 篇")


@hooks.register("dangke_periodic_jobs")
def search_periodic_jobs():
    from django.conf import settings

    from .recovery import recover_index

    # Index updates lost with a queue are found from the database and queued again.
    return [{"name": "search.recover_index", "every": settings.SEARCH_RECOVERY_INTERVAL, "run": recover_index}]
