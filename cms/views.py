from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .forms import SignInForm

TEXT_SIZE_COOKIE = "dangke_text_size"
TEXT_SIZE_MAX_AGE = 5 * 365 * 24 * 3600


@never_cache
@require_GET
def healthz(request):
    checks = services.run_health_checks()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "fail",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("referer") or fallback
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def set_text_size(request):
    """适老化: large text, kept in a long-lived cookie so it survives reloads and sign-outs."""
    size = request.POST.get("size")
    response = HttpResponseRedirect(_safe_next(request))
    if size == "large":
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=TEXT_SIZE_MAX_AGE, samesite="Lax")
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class SignInView(auth_views.LoginView):
    template_name = "cms/accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if services.sign_in_blocked(username, client_ip(request)):
            form = self.get_form()
            form.is_valid()  # keep what the user typed, then replace the errors with the throttle message
            form.errors.clear()
            form.add_error(None, "登录失败次数过多，请 15 分钟后再试。")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        services.record_failed_sign_in(self.request.POST.get("username", ""), client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        services.clear_failed_sign_ins(form.get_user().get_username(), client_ip(self.request))
        messages.success(self.request, "登录成功。")
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    template_name = "cms/accounts/logged_out.html"
