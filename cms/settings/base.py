"""Settings shared by every environment, typed from the environment with django-environ.

Embedded defaults need nothing on the machine: SQLite in var/, files in var/media/, the
database task worker. DATABASE_URL, REDIS_URL, AWS_STORAGE_BUCKET_NAME and ELASTICSEARCH_URL
switch to the scale-out engines.
"""

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("DANGKE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    REDIS_URL=(str, ""),
    ELASTICSEARCH_URL=(str, ""),
    AWS_STORAGE_BUCKET_NAME=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates override Wagtail's where they share a name.
    "security",
    "cms",
    "lessons",
    "routes",
    "branches",
    "search",
    "media",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_tasks",
    "django_tasks_db",
    "django_tasks_rq",
    "django_rq",
    "storages",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # /healthz answers before anything that could touch the database, redirect or check the host.
    "cms.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "security.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL bytes, ids too large for a key and BadRequest from views' typed parsing: a Chinese 400.
    "cms.middleware.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: turns a sign-in refused by the limits (cms.backends.auth) into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
CSRF_FAILURE_VIEW = "cms.views.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.site_shell",
                "security.csp.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails a request (and /healthz) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks ---------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# Seconds a Redis call may take before it counts as down (the cache then answers "miss").
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
if REDIS_URL:
    # cms.backends.cache: Django's Redis cache that degrades to misses (and logs) when Redis is down,
    # so pages that do not need the cache keep working; sessions fall back to the database.
    CACHES = {
        "default": {
            "BACKEND": "cms.backends.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "retry_after": env.float("REDIS_RETRY_AFTER", default=5.0),
            },
        }
    }
else:
    # A file cache is shared by the web server and the worker process (health, cached pages).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read on every signed-in request (each progress heartbeat): from the cache, with the
# database behind it so that clearing the cache signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The account menu (links by role) is built once per user per this many seconds (cms.services).
ACCOUNT_MENU_CACHE_SECONDS = env.int("ACCOUNT_MENU_CACHE_SECONDS", default=60)

# `privacy` moves recordings' files when their audience changes; it never waits behind transcodes
# (give it its own worker: `run_worker --queue privacy`).
TASK_QUEUES = ["default", "transcode", "privacy"]
if REDIS_URL:
    # django_tasks_rq's backend, except that an enqueue while Redis is down is logged instead of
    # failing the request; the periodic recovery sweeps queue such work again from the database.
    TASKS = {"default": {"BACKEND": "cms.backends.tasks.ResilientRQBackend", "QUEUES": TASK_QUEUES}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# Enqueueing gives up quickly when Redis is down (no socket_timeout: the worker blocks on the queue).
_RQ_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
if "socket_connect_timeout=" not in _RQ_URL:
    _RQ_URL += ("&" if "?" in _RQ_URL else "?") + f"socket_connect_timeout={max(REDIS_SOCKET_TIMEOUT, 1.0)}"
RQ_QUEUES = {name: {"URL": _RQ_URL, "DEFAULT_TIMEOUT": 6 * 3600} for name in TASK_QUEUES}
# The worker's heartbeat is older than this: /healthz reports the worker as stopped.
WORKER_HEARTBEAT_TIMEOUT = env.int("WORKER_HEARTBEAT_TIMEOUT", default=60)
# How often a worker writes its heartbeat and looks for due periodic jobs (cms.periodic).
WORKER_TICK_SECONDS = env.float("WORKER_TICK_SECONDS", default=10.0)
# /healthz gives each check this many seconds before it reports it as timed out.
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=3.0)
# Scheduled publishing and unpublishing (Wagtail's go-live and expiry dates) runs this often.
SCHEDULED_PUBLISHING_INTERVAL = env.int("SCHEDULED_PUBLISHING_INTERVAL", default=60)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Sign-in limits (django-axes, on every form that signs in: the site's, the Wagtail admin's, any other
# authenticate() call with a request): after this many failures for one username, or from one client
# address, sign-in is refused for the window (seconds, counted from the last failure).
LOGIN_RATE_LIMIT_ATTEMPTS = env.int("LOGIN_RATE_LIMIT_ATTEMPTS", default=5)
LOGIN_RATE_LIMIT_WINDOW = env.int("LOGIN_RATE_LIMIT_WINDOW", default=15 * 60)
AUTHENTICATION_BACKENDS = [
    "cms.backends.auth.SignInLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # in the database: no Redis needed
AXES_FAILURE_LIMIT = "cms.services.sign_in_failure_limit"
AXES_COOLOFF_TIME = "cms.services.sign_in_cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_CLIENT_IP_CALLABLE = "security.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "cms.views.sign_in_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Successful and failed sign-ins are logged (axes AccessLog) and kept this many days.
SIGN_IN_LOG_DAYS = env.int("SIGN_IN_LOG_DAYS", default=90)

# --- Proxies --------------------------------------------------------------------------------
# Addresses (or networks) of the proxies in front of Django: nginx, and a load balancer in front of
# it. X-Forwarded-For is believed only from these (security.client_ip); keep it to what you run.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Files that must never be reachable by URL: upload staging, members-only renditions.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    # "path" for S3-compatible servers without per-bucket host names (MinIO, moto); AWS: "virtual".
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = False
    AWS_S3_FILE_OVERWRITE = False
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"

STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "党课"
# No gravatar: it is blocked in China and needs the network; admin users see Wagtail's default avatar
# (or the one they upload). Set WAGTAIL_GRAVATAR_PROVIDER_URL to a reachable mirror to turn it on
# (and add its host to SECURITY_CSP["img-src"]).
WAGTAIL_GRAVATAR_PROVIDER_URL = env.str("WAGTAIL_GRAVATAR_PROVIDER_URL", default=None)
# The dashboard's "new Wagtail version" panel fetches releases.wagtail.org from the browser: outside
# connect-src, and no business of a party organisation's admins. Upgrades go through `make lock`.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The public address of the site: every absolute URL that leaves it (QR plaques, QR sign-in, feeds, the
# APIs, e-mails) is built on it (security/public_urls.py). Empty in development: the request's own
# address, or WAGTAILADMIN_BASE_URL without a request. Production warns (security.W001) while it is
# empty or local.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")
DEPLOYMENT = "development"
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default=PUBLIC_BASE_URL or "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Documents always go through Wagtail's view, which enforces collection privacy (even on S3).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "txt", "vtt", "zip"]
WAGTAILMEDIA = {"MEDIA_MODEL": "media.Recording"}
# The API's own links: the public address, or (unset) the request's Site, like its html_url links.
WAGTAILAPI_BASE_URL = PUBLIC_BASE_URL or None
# Private pages (Wagtail LOGIN privacy) send anonymous visitors to the site's own sign-in page.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

# --- Search ---------------------------------------------------------------------------------
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
DANGKE_SEARCH_BACKENDS = {
    "default": (
        {"BACKEND": "search.backends.elasticsearch", "URLS": [ELASTICSEARCH_URL], "INDEX_PREFIX": "dangke"}
        if ELASTICSEARCH_URL
        else {"BACKEND": "search.backends.embedded"}
    ),
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "modelsearch.backends.database"}}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- media ----------------------------------------------------------------------------------
# Recordings longer or larger than this are rejected before any transcoding.
MEDIA_MAX_DURATION = env.int("MEDIA_MAX_DURATION", default=6 * 3600)
MEDIA_MAX_UPLOAD_SIZE = env.int("MEDIA_MAX_UPLOAD_SIZE", default=8 * 1024**3)
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
# HLS ladder: (short side in pixels, peak video bitrate in kbit/s); rungs above the source are dropped.
MEDIA_LADDER = [(1080, 4500), (720, 2500), (480, 1000), (360, 600)]
MEDIA_X264_PRESET = env.str("MEDIA_X264_PRESET", default="veryfast")
MEDIA_SEGMENT_SECONDS = 6
# A transcode job renews its lease while ffmpeg runs; a lease older than this belongs to a dead worker.
MEDIA_TRANSCODE_LEASE_SECONDS = env.int("MEDIA_TRANSCODE_LEASE_SECONDS", default=120)
MEDIA_TRANSCODE_MAX_ATTEMPTS = env.int("MEDIA_TRANSCODE_MAX_ATTEMPTS", default=3)
# How members-only files leave the server: "" (Django streams them, development),
# "x-accel-redirect" (nginx, internal location PROTECTED_MEDIA_ACCEL_PREFIX -> PRIVATE_MEDIA_ROOT)
# or "x-sendfile" (Apache/lighttpd).
PROTECTED_MEDIA_SENDFILE = env.str("PROTECTED_MEDIA_SENDFILE", default="")
PROTECTED_MEDIA_ACCEL_PREFIX = env.str("PROTECTED_MEDIA_ACCEL_PREFIX", default="/protected-media/")
# True: public recordings' files are linked straight under MEDIA_URL (web server or CDN serves them);
# False: they go through the same ranged Django view as members-only files.
MEDIA_PUBLIC_RENDITIONS_DIRECT = env.bool("MEDIA_PUBLIC_RENDITIONS_DIRECT", default=False)
# tus uploads: chunks up to this size per PATCH request; unfinished uploads expire after a day.
MEDIA_TUS_MAX_CHUNK = env.int("MEDIA_TUS_MAX_CHUNK", default=8 * 1024 * 1024)
MEDIA_TUS_EXPIRY_SECONDS = env.int("MEDIA_TUS_EXPIRY_SECONDS", default=24 * 3600)
# Where originals and renditions live (media.backends): the local disk, or S3-compatible storage
# when AWS_STORAGE_BUCKET_NAME is set. Public renditions go under `recordings/` of that bucket
# (give it a public-read policy for `recordings/*` only, or front it with a CDN: AWS_S3_CUSTOM_DOMAIN);
# originals and members-only renditions under AWS_PRIVATE_LOCATION of AWS_PRIVATE_STORAGE_BUCKET_NAME
# (default: the same bucket), which no policy opens.
if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE = {
        "BACKEND": "media.backends.s3",
        "OPTIONS": {
            "BUCKET": AWS_STORAGE_BUCKET_NAME,
            "PRIVATE_BUCKET": env.str("AWS_PRIVATE_STORAGE_BUCKET_NAME", default=""),
            "PRIVATE_LOCATION": env.str("AWS_PRIVATE_LOCATION", default="private"),
            "ENDPOINT_URL": AWS_S3_ENDPOINT_URL,
            "REGION_NAME": AWS_S3_REGION_NAME,
            "ACCESS_KEY_ID": AWS_ACCESS_KEY_ID,
            "SECRET_ACCESS_KEY": AWS_SECRET_ACCESS_KEY,
            "CUSTOM_DOMAIN": AWS_S3_CUSTOM_DOMAIN,
            "ADDRESSING_STYLE": AWS_S3_ADDRESSING_STYLE,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "media.backends.filesystem"}
# Cache lifetime of public renditions (seconds). Short on purpose: a public recording can become
# members-only, and its old public URLs then stop working only when caches have let go of them.
MEDIA_PUBLIC_MAX_AGE = env.int("MEDIA_PUBLIC_MAX_AGE", default=300)
# Signed URLs of members-only files work for the recording's duration plus this many seconds.
MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=600)
# Recovery sweeps: a recording waiting this long for its transcode, or for its files to move after
# an audience change, is queued again (the queue may have lost the message).
MEDIA_REQUEUE_AFTER_SECONDS = env.int("MEDIA_REQUEUE_AFTER_SECONDS", default=600)
MEDIA_PRIVACY_REQUEUE_AFTER_SECONDS = env.int("MEDIA_PRIVACY_REQUEUE_AFTER_SECONDS", default=60)

# --- live streams (media.live; nginx-rtmp in front: `render_nginx --rtmp-listen`) ---------------
# The encoder may publish from this long before the scheduled start until this long after the end.
LIVE_WINDOW_MARGIN_SECONDS = env.int("LIVE_WINDOW_MARGIN_SECONDS", default=30 * 60)
# An encoder that drops and comes back within this time continues the same live (and replay).
LIVE_RECONNECT_GRACE_SECONDS = env.int("LIVE_RECONNECT_GRACE_SECONDS", default=3 * 60)
# The live ladder, "SHORT_SIDE:KBPS,…" (rungs above the source are skipped). A 2-core box sustains
# one or two rungs; a production ingest box the full 720/480/360 (README, 直播).
LIVE_LADDER = [
    (int(height), int(rate))
    for height, _, rate in (item.partition(":") for item in env.list("LIVE_LADDER", default=["720:2500", "480:1000", "360:600"]))
]
LIVE_X264_PRESET = env.str("LIVE_X264_PRESET", default="veryfast")
LIVE_SEGMENT_SECONDS = 2
# Folders nginx-rtmp writes (hls_path, record_path); empty: PRIVATE_MEDIA_ROOT/live/hls and /record.
LIVE_HLS_ROOT = env.str("LIVE_HLS_ROOT", default="")
LIVE_RECORD_ROOT = env.str("LIVE_RECORD_ROOT", default="")
# nginx-rtmp tells Django every this many seconds that an encoder still sends (on_update).
LIVE_UPDATE_SECONDS = env.int("LIVE_UPDATE_SECONDS", default=30)
# The nginx-rtmp application encoders publish to (rtmp://HOST/live, stream key from the admin).
LIVE_RTMP_APPLICATION = "live"
# The publish callbacks are accepted only from these addresses, and never through the web proxy.
LIVE_CALLBACK_ALLOWED = env.list("LIVE_CALLBACK_ALLOWED", default=["127.0.0.1", "::1"])
# Live segment links in the media playlists are signed (nginx secure_link) and expire after about
# this many seconds; the secret is shared with nginx through `render_nginx` (default: from SECRET_KEY).
LIVE_SEGMENT_LINK_SECONDS = env.int("LIVE_SEGMENT_LINK_SECONDS", default=120)
LIVE_SEGMENT_SECRET = env.str("LIVE_SEGMENT_SECRET", default="")
if LIVE_SEGMENT_SECRET and not re.fullmatch(r"[A-Za-z0-9_-]{32,}", LIVE_SEGMENT_SECRET):
    # It is written into nginx's config inside a string, where quotes and $ would mean something.
    raise ImproperlyConfigured("LIVE_SEGMENT_SECRET must be at least 32 letters, digits, '-' or '_'.")
# "Watching now" counts distinct viewers fetching the playlist within this many seconds.
LIVE_VIEWER_WINDOW_SECONDS = env.int("LIVE_VIEWER_WINDOW_SECONDS", default=20)
# The address encoders are told to publish to (shown in the admin with the key).
LIVE_RTMP_URL = env.str("LIVE_RTMP_URL", default="rtmp://127.0.0.1/live")

# --- lessons --------------------------------------------------------------------------------
# A lesson counts as completed once this share of its distinct seconds has been played.
LESSONS_COMPLETION_RATIO = env.float("LESSONS_COMPLETION_RATIO", default=0.9)
# One study hour (学时) in minutes, for the personal study record.
LESSONS_STUDY_HOUR_MINUTES = env.int("LESSONS_STUDY_HOUR_MINUTES", default=45)
# How long a published lesson's details (speakers, chapters, transcript, attachments) stay cached;
# publishing a new revision changes the key at once, snippet edits (a speaker's bio) show within this time.
LESSONS_PAGE_CACHE_SECONDS = env.int("LESSONS_PAGE_CACHE_SECONDS", default=300)
# How long the progress endpoint trusts its cached copy of a lesson's duration and view restrictions.
# Saving, publishing, moving or re-restricting a lesson drops the copy at once; this bounds the rest.
LESSONS_ACCESS_CACHE_SECONDS = env.int("LESSONS_ACCESS_CACHE_SECONDS", default=60)
# Honest study time: between two accepted heartbeats of one member and lesson, the new distinct
# seconds may not exceed the wall-clock time since the last one times this playback rate (the
# player's fastest speed) plus the allowance; the excess is dropped (the player resends it later).
LESSONS_MAX_PLAYBACK_RATE = env.float("LESSONS_MAX_PLAYBACK_RATE", default=2.0)
LESSONS_HEARTBEAT_ALLOWANCE_SECONDS = env.float("LESSONS_HEARTBEAT_ALLOWANCE_SECONDS", default=5.0)
# Length of each demo lesson's generated recording (`manage.py load_demo`, five chapters, at least 10 s).
DEMO_CLIP_SECONDS = env.int("DEMO_CLIP_SECONDS", default=60)

# --- routes ---------------------------------------------------------------------------------
# Map tiles for route pages: a Leaflet URL template, its attribution, and the coordinate system the
# tiles are drawn in: "wgs84" (OpenStreetMap and most others) or "gcj02" (Amap, Tencent and other
# Chinese providers; every point is converted on the server before it reaches the map).
ROUTES_TILE_URL = env.str("ROUTES_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
ROUTES_TILE_ATTRIBUTION = env.str(
    "ROUTES_TILE_ATTRIBUTION", default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> 贡献者'
)
ROUTES_TILE_CRS = env.str("ROUTES_TILE_CRS", default="wgs84")
ROUTES_TILE_SUBDOMAINS = env.str("ROUTES_TILE_SUBDOMAINS", default="abc")
ROUTES_TILE_MAX_ZOOM = env.int("ROUTES_TILE_MAX_ZOOM", default=18)
# Estimated duration: great-circle distance at this average speed, plus each stop's minutes on site.
ROUTES_TRAVEL_SPEED_KMH = env.float("ROUTES_TRAVEL_SPEED_KMH", default=30.0)
# Dalian's bounding box (south, west, north, east), WGS-84: sites outside need an explicit override.
ROUTES_CITY_BBOX = tuple(env.list("ROUTES_CITY_BBOX", cast=float, default=[38.55, 120.85, 40.25, 123.65]))
ROUTES_NEAR_DEFAULT_KM = env.float("ROUTES_NEAR_DEFAULT_KM", default=10.0)
ROUTES_NEAR_MAX_KM = env.float("ROUTES_NEAR_MAX_KM", default=200.0)
ROUTES_NEAR_LIMIT = env.int("ROUTES_NEAR_LIMIT", default=20)
# The `src` parameter Amap and Baidu ask their URI callers to send.
ROUTES_MAP_URI_SOURCE = env.str("ROUTES_MAP_URI_SOURCE", default="dangke")

# --- branches -------------------------------------------------------------------------------
# QR sign-in: the code the secretary shows changes every BRANCHES_QR_PERIOD seconds and a scanned
# code is accepted for BRANCHES_QR_MAX_AGE seconds (so a scan just before the change still works).
BRANCHES_QR_PERIOD = env.int("BRANCHES_QR_PERIOD", default=30)
BRANCHES_QR_MAX_AGE = env.int("BRANCHES_QR_MAX_AGE", default=60)
BRANCHES_SIGN_IN_OPENS_MINUTES = env.int("BRANCHES_SIGN_IN_OPENS_MINUTES", default=30)
BRANCHES_LATE_AFTER_MINUTES = env.int("BRANCHES_LATE_AFTER_MINUTES", default=10)
BRANCHES_REMINDER_DAYS_BEFORE = env.int("BRANCHES_REMINDER_DAYS_BEFORE", default=2)
# Study assignments: members who have not finished get a reminder this many days before the due date.
BRANCHES_ASSIGNMENT_REMINDER_DAYS_BEFORE = env.int("BRANCHES_ASSIGNMENT_REMINDER_DAYS_BEFORE", default=3)
# Most sessions one "plan a year" may create: weekly is the most frequent organisational life (52-53).
BRANCHES_MAX_SESSIONS_PER_PLAN = env.int("BRANCHES_MAX_SESSIONS_PER_PLAN", default=60)
# Page types a session may link (the lessons and routes contracts); tests may point them elsewhere.
BRANCHES_LESSON_PAGE_TYPE = "lessons.LessonPage"
BRANCHES_ROUTE_PAGE_TYPE = "routes.RoutePage"

# --- search (app settings) ------------------------------------------------------------------
# Wagtail's own search (admin, choosers) with the project's Chinese analyzer: see search/modelsearch_backend.py.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.modelsearch_backend"}}
# Seconds the Elasticsearch backend waits for one request.
SEARCH_ES_TIMEOUT = env.int("SEARCH_ES_TIMEOUT", default=10)
# The index recovery sweep (search.recovery) runs this often and queues at most this many updates a run.
SEARCH_RECOVERY_INTERVAL = env.int("SEARCH_RECOVERY_INTERVAL", default=600)
SEARCH_RECOVERY_BATCH = env.int("SEARCH_RECOVERY_BATCH", default=500)
# The thesaurus that widens queries (search/thesaurus.py): "cilin" (同义词词林, the default) or "none".
SEARCH_THESAURUS = env.str("SEARCH_THESAURUS", default="cilin")
if SEARCH_THESAURUS not in ("cilin", "none"):
    raise ImproperlyConfigured(f"SEARCH_THESAURUS must be 'cilin' or 'none', not {SEARCH_THESAURUS!r}.")
# Members' searches are counted per query and day (search/query_log.py) for the editors' report of
# queries that found at most SEARCH_THIN_RESULTS results in the last SEARCH_GAP_DAYS days; counts are
# deleted after SEARCH_QUERY_LOG_DAYS.
SEARCH_THIN_RESULTS = env.int("SEARCH_THIN_RESULTS", default=2)
SEARCH_GAP_DAYS = env.int("SEARCH_GAP_DAYS", default=30)
SEARCH_QUERY_LOG_DAYS = env.int("SEARCH_QUERY_LOG_DAYS", default=90)

# --- Browser-side security (security/csp.py) ------------------------------------------------
# Content-Security-Policy of every response. Scripts only from this site and with the request's nonce
# (`nonce="{{ csp_nonce }}"`, or `{% csp_nonce %}` from security_tags where no request is in the
# context); no inline event handlers, no eval. Map tiles only from ROUTES_TILE_URL's host(s).
# Recordings come from this site or, on S3, from its public origin(s): CSP_MEDIA_ORIGINS, or by
# default the CDN domain / endpoint configured above. hls.js plays through MSE (blob: media) and
# may start a worker from a blob.
from security.csp import NONCE, SettingOrigins  # noqa: E402

_media_origins = env.list("CSP_MEDIA_ORIGINS", default=[])
if not _media_origins and AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        _media_origins = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        from urllib.parse import urlsplit as _urlsplit

        _endpoint = _urlsplit(AWS_S3_ENDPOINT_URL)
        _media_origins = [
            f"{_endpoint.scheme}://{_endpoint.netloc}",
            f"{_endpoint.scheme}://*.{_endpoint.netloc}",
        ]
    else:
        _media_origins = ["https://*.amazonaws.com"]
_tiles = SettingOrigins("ROUTES_TILE_URL", subdomains_setting="ROUTES_TILE_SUBDOMAINS")
SECURITY_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", NONCE],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", _tiles, *_media_origins],
    "media-src": ["'self'", "blob:", *_media_origins],
    "connect-src": ["'self'", *_media_origins],
    "worker-src": ["'self'", "blob:"],
    "font-src": ["'self'", "data:"],
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    # Nobody frames the site; the admin's live preview is framed by the admin (SECURITY_CSP_ADMIN).
    "frame-ancestors": ["'none'"],
}
# The Wagtail admin (8.0) sets element styles from its bundles and ships components (Draftail, the
# StreamField, the tooltip and dropdown library) that insert <style> elements and style="" attributes
# without a nonce, so it needs inline *styles*. Scripts keep the nonce there too: the few Wagtail
# templates with inline <script> are overridden in security/templates/ to carry it.
SECURITY_CSP_ADMIN_PATHS = ("/admin/",)
SECURITY_CSP_ADMIN = {"style-src": ["'self'", "'unsafe-inline'"], "frame-ancestors": ["'self'"]}
SECURITY_CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
# Geolocation for 附近的基地 (near me), fullscreen and picture-in-picture for the player; nothing else.
SECURITY_PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "fullscreen": ["self"],
    "picture-in-picture": ["self"],
    "autoplay": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail's preview views answer SAMEORIGIN themselves (xframe_options_sameorigin_override).
X_FRAME_OPTIONS = "DENY"
