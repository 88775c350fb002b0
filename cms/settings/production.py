from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DEPLOYMENT = "production"

# No defaults: a production server refuses to start without its secrets.
try:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        f"Production settings need SECRET_KEY and ALLOWED_HOSTS in the environment: {exc}"
    ) from exc
if not SECRET_KEY or not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production settings need non-empty SECRET_KEY and ALLOWED_HOSTS.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@dangke.example.org")
# Protected files are handed to the front web server (nginx X-Accel-Redirect) after the permission check.
PROTECTED_MEDIA_SENDFILE = env.str("PROTECTED_MEDIA_SENDFILE", default="x-accel-redirect")
