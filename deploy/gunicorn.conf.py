"""gunicorn for Dangke behind nginx: `gunicorn -c deploy/gunicorn.conf.py cms.wsgi`.

Settings come from the environment: GUNICORN_BIND (default 127.0.0.1:8000; nginx proxies there),
WEB_CONCURRENCY (sync worker processes, default 2 × cores + 1), GUNICORN_TIMEOUT (seconds a request
may take, default 60), TRUSTED_PROXIES (who may set X-Forwarded-*, as for Django).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"  # nginx buffers slow clients, so a sync worker is never held by one
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 2
# A worker is replaced after this many requests (jittered so they do not all restart at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# gunicorn's own scheme detection trusts X-Forwarded-Proto from these addresses only.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request line and header limits stay at gunicorn's defaults; bodies are limited by nginx.
