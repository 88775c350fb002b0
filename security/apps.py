from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "安全"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
        from .csp import nonce_wagtail_choosers

        nonce_wagtail_choosers()
