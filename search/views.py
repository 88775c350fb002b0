from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import services
from .backends.base import FACET_NAMES


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        return 1


def _filters(request) -> dict[str, str]:
    return {name: request.GET[name] for name in FACET_NAMES if name != "type" and request.GET.get(name)}


@require_GET
def search_page(request):
    query = request.GET.get("q", "").strip()
    types = [t for t in request.GET.getlist("type") if t]
    filters = _filters(request)
    results = None
    error = ""
    if len(query) > 200:
        error = "搜索词太长了，请控制在 200 个字以内。"
        query = query[:200]
    if query:
        results = services.search(query, types=types, filters=filters, user=request.user, page=_page_number(request),
                                  exact=bool(request.GET.get("exact")))
    base = {"q": query, **filters}
    if request.GET.get("exact"):
        base["exact"] = "1"
    if types:
        base["type"] = types[0]

    def link(**changes):
        params = {**base, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    facet_groups = []
    if results:
        for name, options in results.facets.items():
            facet_groups.append(
                {
                    "name": name,
                    "label": services.FACET_LABELS[name],
                    "options": [
                        {
                            "option": option,
                            "url": link(**{name: "" if option.selected else option.value, "page": ""}),
                        }
                        for option in options
                    ],
                }
            )
    context = {
        "search_query": query,
        "results": results,
        "error": error,
        "facet_groups": facet_groups,
        "has_filters": bool(types or filters),
        "clear_filters_url": "?" + urlencode({"q": query}),
        "next_url": link(page=results.page + 1) if results and results.has_next else "",
        "previous_url": link(page=results.page - 1) if results and results.has_previous else "",
        "exact_url": "?" + urlencode({"q": query, "exact": "1"}),
    }
    return render(request, "search/search.html", context)


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def search_api(request):
    query = request.GET.get("q", "").strip()
    if not query:
        return _json({"error": "请提供搜索词 q。"}, status=400)
    if len(query) > 200:
        return _json({"error": "搜索词太长了，请控制在 200 个字以内。"}, status=400)
    types = [t for t in request.GET.getlist("type") if t]
    results = services.search(query, types=types, filters=_filters(request), user=request.user,
                              page=_page_number(request), exact=bool(request.GET.get("exact")))
    return _json(
        {
            "count": results.count,
            "count_is_lower_bound": results.count_is_lower_bound,
            "facets_are_sample": results.facets_are_sample,
            "page": results.page,
            "results": [hit.as_json() for hit in results.hits],
            "facets": {
                name: [{"value": o.value, "label": o.label, "count": o.count} for o in options]
                for name, options in results.facets.items()
            },
            "did_you_mean": results.did_you_mean,  # set when the results are for this corrected query
        }
    )


@require_GET
def suggest_api(request):
    return _json({"suggestions": services.suggest(request.GET.get("q", ""), user=request.user)})
