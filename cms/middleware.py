"""/healthz before every other middleware: sessions, authentication, CSRF, the host check and the
HTTPS redirect all may need what is down (the database, Redis), and a probe must get the JSON."""

HEALTHZ_PATH = "/healthz"


class HealthzMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTHZ_PATH and request.method in ("GET", "HEAD"):
            from .views import health_response

            return health_response()
        return self.get_response(request)


NUL_MESSAGE = "请求中含有无效字符（NUL），请检查输入后重试。"
BAD_REQUEST_MESSAGE = "请求参数无效，请检查后重试。"
OUT_OF_RANGE_MESSAGE = "请求中的数字超出范围，请检查后重试。"
# Ids in URLs beyond a 64-bit key cannot name a row; SQLite raises on them, so refuse them first.
MAX_URL_ID = 2**63 - 1


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    for query in (request.GET, request.POST if request.method == "POST" else None):
        if query is None:
            continue
        for key, values in query.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def bad_request_response(request, message: str):
    """A 400 with the reason in Chinese: JSON for API clients, the site's page for people."""
    from django.http import JsonResponse
    from django.shortcuts import render

    wants_json = request.path_info.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )
    if wants_json:
        return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "cms/bad_request.html", {"message": message}, status=400)


class BadInputMiddleware:
    """One place for input no view can use:
    - a NUL byte in the path, a query parameter or a form field (PostgreSQL refuses NUL in text and
      the file system in names, so it would otherwise surface as a 500 deep in a view): 400;
    - an id in the URL too large for any key: 404, as for any id that names nothing;
    - `django.core.exceptions.BadRequest` raised by a view's typed parsing (with the message shown to
      the user) and an OverflowError from a number too large to use: 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http.multipartparser import MultiPartParserError

        try:
            has_nul = _has_nul(request)
        except (ValueError, MultiPartParserError):  # a form body that does not parse at all
            return bad_request_response(request, BAD_REQUEST_MESSAGE)
        if has_nul:
            return bad_request_response(request, NUL_MESSAGE)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.http import Http404

        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_URL_ID:
                raise Http404("页面不存在。")
        return None

    def process_exception(self, request, exception):
        from django.core.exceptions import BadRequest

        if isinstance(exception, BadRequest):
            return bad_request_response(request, str(exception) or BAD_REQUEST_MESSAGE)
        if isinstance(exception, OverflowError):
            return bad_request_response(request, OUT_OF_RANGE_MESSAGE)
        return None
