import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import TASK_QUEUES, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Each test run gets its own folders; nothing a test writes lands in var/.
_TEST_VAR = Path(tempfile.mkdtemp(prefix="dangke-test-"))
MEDIA_ROOT = _TEST_VAR / "media"
PRIVATE_MEDIA_ROOT = _TEST_VAR / "private"
STATIC_ROOT = _TEST_VAR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder otherwise
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_STORAGE = {"BACKEND": "media.backends.filesystem"}  # the S3 tests point it at moto themselves
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The demo lessons' generated recordings (load_demo): short, so the demo tests stay fast.
DEMO_CLIP_SECONDS = 10

# Tasks run in the same process, straight after commit; tests that need a real worker override this.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="sqlite://:memory:"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_VAR / "test.sqlite3")}
    # As in production (base.py): real worker processes in the fault tests write while the test reads;
    # WAL and a long busy timeout keep a loaded machine's lock waits from failing a job.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
elif env.str("DANGKE_TEST_SHARD", default=""):
    # `make test` runs the suite in parts side by side (tests/sharding.py): each part its own database.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{env.str('DANGKE_TEST_SHARD')}"
    }
