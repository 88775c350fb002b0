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
