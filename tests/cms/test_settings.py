"""Settings are chosen from the environment; checked in fresh interpreters so nothing leaks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(module, **env):
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    clean_env.update(env)
    code = (
        f"import json, importlib; s = importlib.import_module({module!r}); "
        "print(json.dumps({'tasks': s.TASKS['default']['BACKEND'], 'db': s.DATABASES['default']['ENGINE'], "
        "'cache': s.CACHES['default']['BACKEND'], 'storage': s.STORAGES['default']['BACKEND']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True
    )


def test_embedded_defaults():
    out = load_settings("cms.settings.dev")
    assert out.returncode == 0, out.stderr
    assert '"tasks": "django_tasks_db.DatabaseBackend"' in out.stdout
    assert "sqlite3" in out.stdout


def test_scale_out_engines_from_the_environment():
    out = load_settings(
        "cms.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/0",
        AWS_STORAGE_BUCKET_NAME="dangke",
    )
    assert out.returncode == 0, out.stderr
    assert "RQBackend" in out.stdout  # django_tasks_rq's, degrading when Redis is down
    assert "postgresql" in out.stdout
    assert "redis" in out.stdout.lower()
    assert "storages.backends.s3.S3Storage" in out.stdout


def test_production_refuses_to_start_without_secrets():
    out = load_settings("cms.settings.production")
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr and "ALLOWED_HOSTS" in out.stderr


def test_production_starts_with_secrets():
    out = load_settings("cms.settings.production", SECRET_KEY="x" * 60, ALLOWED_HOSTS="dangke.example.org")
    assert out.returncode == 0, out.stderr
