from types import SimpleNamespace

from django.db.models.signals import post_delete, post_save
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from . import admin_views
from .analysis import dictionary_changed
from .models import SearchQueryDay, Synonym


class SynonymCreateView(CreateView):
    def get_initial(self):
        # 添加同义词 in the search gaps report opens the form with the query as its term.
        initial = super().get_initial()
        term = self.request.GET.get("term", "").strip()
        if term and len(term) <= Synonym._meta.get_field("term").max_length:
            initial["term"] = term
        return initial


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    add_view_class = SynonymCreateView
    icon = "search"
    menu_label = "同义词与简称"
    menu_name = "search-synonyms"
    add_to_admin_menu = True
    menu_order = 800
    list_display = ["term", "alternatives", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["term", "alternatives"]


register_snippet(SynonymViewSet)

admin_patterns = (
    [
        path("gaps/", admin_views.SearchGapsReportView.as_view(), name="gaps"),
        path("gaps/results/", admin_views.SearchGapsReportView.as_view(results_only=True), name="gaps_results"),
    ],
    "search_admin",
)


@hooks.register("register_admin_urls")
def register_search_admin_urls():
    return [path("search-gaps/", include(admin_patterns))]


class SearchGapsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(f"search.view_{SearchQueryDay._meta.model_name}")


@hooks.register("register_reports_menu_item")
def register_search_gaps_menu_item():
    return SearchGapsMenuItem("搜索未找到", reverse("search_admin:gaps"), name="search-gaps", icon_name="search",
                              order=950)


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

    from .query_log import prune_query_log
    from .recovery import recover_index

    # Index updates lost with a queue are found from the database and queued again.
    return [
        {"name": "search.recover_index", "every": settings.SEARCH_RECOVERY_INTERVAL, "run": recover_index},
        # Search-word counts older than SEARCH_QUERY_LOG_DAYS go, at night.
        {"name": "search.prune_query_log", "daily_at": "03:40", "run": prune_query_log},
    ]
