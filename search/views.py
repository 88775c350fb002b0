import re
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import query_log, services
from .analysis import fold
from .backends.base import FACET_NAMES

MAX_QUERY_LENGTH = 200
MAX_PARAMETER_LENGTH = 200  # a series title or district is far shorter
MAX_TYPES = 10
TOO_LONG = "搜索词太长了，请控制在 200 个字以内。"
BAD_CHARACTER = "搜索参数中含有无法识别的字符（如空字符），请删除后重试。"
BAD_PARAMETER = "筛选参数无效：{name} 太长或太多。"


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    if len(value) > 6 or not value.isdigit():
        return 1  # not a page number: the first page, as a visitor following a mangled link expects
    return max(1, int(value))


def _filters(request) -> dict[str, str]:
    return {name: request.GET[name] for name in FACET_NAMES if name != "type" and request.GET.get(name)}


def _input_error(request) -> str:
    """A Chinese message when a parameter cannot be searched at all (a NUL byte, which PostgreSQL
    cannot store or compare; a parameter far longer than any value), else ""."""
    for values in request.GET.lists():
        if any("\x00" in value for value in values[1]):
            return BAD_CHARACTER
    if len(request.GET.get("q", "").strip()) > MAX_QUERY_LENGTH:
        return TOO_LONG
    types = request.GET.getlist("type")
    if len(types) > MAX_TYPES or any(len(t) > 40 for t in types):
        return BAD_PARAMETER.format(name="type")
    for name in FACET_NAMES:
        if any(len(value) > MAX_PARAMETER_LENGTH for value in request.GET.getlist(name)):
            return BAD_PARAMETER.format(name=name)
    return ""


def _count_search(request, query: str, results, *, types, filters) -> None:
    # Only the first page of a plain search: paging on, or narrowing with a facet, says nothing new
    # about whether the words were understood.
    if results.page == 1 and not types and not filters and not request.GET.get("exact"):
        query_log.record_search(query, results.count)


def _clean(value: str) -> str:
    return value.replace("\x00", "")


def query_without(query: str, text: str) -> str:
    """The query with a recognised filter's words taken out (the link of its chip)."""
    for source in (query, fold(query)):
        position = source.find(text)
        if position >= 0:
            return re.sub(r"\s+", " ", source[:position] + " " + source[position + len(text):]).strip()
    return query


def active_filters(results, query: str, link) -> list[dict]:
    """Chips for the filters in force: those recognised in the query (removing one takes its words
    out of the query) and those chosen on the page (removing one drops the parameter)."""
    chips = [
        {"name": f.name, "label": f.label, "value": f.value, "text": f.text, "source": "query",
         "url": link(q=query_without(query, f.text), page="")}
        for f in results.recognised_filters
    ]
    recognised = {f.name for f in results.recognised_filters}
    for name, options in results.facets.items():
        for option in options:
            if option.selected and name not in recognised:
                chips.append({"name": name, "label": services.FACET_LABELS[name], "value": option.label,
                              "text": option.value, "source": "parameter", "url": link(**{name: "", "page": ""})})
    return chips


@require_GET
def search_page(request):
    error = _input_error(request)
    query = _clean(request.GET.get("q", "")).strip()[:MAX_QUERY_LENGTH]
    types = [t for t in request.GET.getlist("type") if t]
    filters = _filters(request)
    results = None
    if error and error != TOO_LONG:
        # Nothing is searched; the form keeps what can be kept of what was typed.
        query, types, filters = query.replace("\x00", ""), [], {}
    elif query:
        results = services.search(query, types=types, filters=filters, user=request.user, page=_page_number(request),
                                  exact=bool(request.GET.get("exact")))
        _count_search(request, query, results, types=types, filters=filters)
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
        "filter_chips": active_filters(results, query, link) if results else [],
        "has_filters": bool(types or filters),
        "clear_filters_url": "?" + urlencode({"q": query}),
        "next_url": link(page=results.page + 1) if results and results.has_next else "",
        "previous_url": link(page=results.page - 1) if results and results.has_previous else "",
        "exact_url": "?" + urlencode({"q": query, "exact": "1"}),
    }
    status = 400 if error and error != TOO_LONG else 200
    return render(request, "search/search.html", context, status=status)


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def search_api(request):
    """JSON search. Each result's `title` and `snippet` are plain text (escape them to show them);
    `snippet_html` is the snippet escaped, with only <mark> elements around the matches.
    `filters` lists the filters in force, with the query link that removes each."""
    error = _input_error(request)
    if error:
        return _json({"error": error}, status=400)
    query = request.GET.get("q", "").strip()
    if not query:
        return _json({"error": "请提供搜索词 q。"}, status=400)
    types = [t for t in request.GET.getlist("type") if t]
    filters = _filters(request)
    results = services.search(query, types=types, filters=filters, user=request.user,
                              page=_page_number(request), exact=bool(request.GET.get("exact")))
    _count_search(request, query, results, types=types, filters=filters)
    base = {"q": query, **filters}
    if types:
        base["type"] = types[0]

    def link(**changes):
        params = {**base, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    return _json(
        {
            "count": results.count,
            "count_is_lower_bound": results.count_is_lower_bound,
            "facets_are_sample": results.facets_are_sample,
            "page": results.page,
            "searched": results.searched,  # the words searched once recognised filters are taken out
            # Filters recognised in the text that matched nothing: the query was searched as typed.
            "ignored_filters": [{"name": f.name, "value": f.value, "text": f.text} for f in results.ignored_filters],
            "filters": [
                {**{k: chip[k] for k in ("name", "label", "value", "text", "source")},
                 "remove_url": request.path + chip["url"]}
                for chip in active_filters(results, query, link)
            ],
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
    error = _input_error(request)
    if error:
        return _json({"error": error}, status=400)
    return _json({"suggestions": services.suggest(request.GET.get("q", ""), user=request.user)})
