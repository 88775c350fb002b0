from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.forms.utils import ErrorDict
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from security.redirects import redirect_to_next

from . import services
from .forms import SignInForm

TEXT_SIZE_COOKIE = "dangke_text_size"
TEXT_SIZE_MAX_AGE = 5 * 365 * 24 * 3600


def health_response() -> JsonResponse:
    """200 when every check passes, else 503 naming what is down: {"status", "down", "checks"}."""
    checks = services.run_health_checks()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "fail",
        "down": [check.name for check in checks if not check.ok],
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    response = JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response


@require_GET
def healthz(request):
    """Normally answered by cms.middleware.HealthzMiddleware before this view; kept for reverse()."""
    return health_response()


@require_POST
def set_text_size(request):
    """适老化: large text, kept in a long-lived cookie so it survives reloads and sign-outs."""
    size = request.POST.get("size")
    response = redirect_to_next(request)
    if size == "large":
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=TEXT_SIZE_MAX_AGE, samesite="Lax")
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response


class SignInView(auth_views.LoginView):
    """The site's sign-in. Limits (django-axes) apply here and to every other sign-in form through
    the authentication backend; a refused sign-in is answered by `sign_in_locked_out`."""

    template_name = "cms/accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        messages.success(self.request, "登录成功。")
        return super().form_valid(form)


def sign_in_locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page the user was on (the site's or the Wagtail admin's)
    again, with 429, what they typed kept, and the limit's window instead of "wrong password"."""
    message = services.sign_in_lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None and form.is_bound:
        # The view has validated the form already (which is how the limit was hit): replace its
        # errors without validating again, which would count one more failure.
        form._errors = ErrorDict()
        form.cleaned_data = {}
        form.add_error(None, message)
        original_response.content = original_response.rendered_content
        original_response.status_code = 429
        return original_response
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")


class SignOutView(auth_views.LogoutView):
    template_name = "cms/accounts/logged_out.html"


# Database errors that mean "not reachable now" rather than a bug: the page says to come back soon.
def _service_unavailable(exc) -> bool:
    from django.db.utils import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, template_name="500.html"):
    """handler500: the site's Chinese 503 page (with Retry-After) when the database is unreachable,
    the 500 page otherwise. Rendered without the request's context: nothing here may need the database."""
    import sys

    from django.template import loader
    from django.views import defaults

    if _service_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "60"
        return response
    return defaults.server_error(request, template_name=template_name)


def _chinese_message(exception) -> str:
    """The message a view gave its PermissionDenied / Http404, when it is written for people (Chinese);
    Django's and libraries' English internals are not shown."""
    text = str(exception or "").strip()
    if text.startswith(("[", "{")) or not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return ""
    return text


def permission_denied(request, exception):
    """handler403: the site's Chinese page with the view's reason and a way on (sign in, home)."""
    return TemplateResponse(
        request,
        "403.html",
        {"reason": _chinese_message(exception), "login_next": request.get_full_path()},
        status=403,
    )


def page_not_found(request, exception):
    """handler404: the site's Chinese page, with the view's reason when it gave one."""
    return TemplateResponse(request, "404.html", {"reason": _chinese_message(exception)}, status=404)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from an expired page, explained in Chinese."""
    return TemplateResponse(
        request,
        "403.html",
        {"reason": "页面已过期，请返回上一页刷新后重新提交。", "login_next": request.get_full_path()},
        status=403,
    )
