"""The storage backend of recordings, loaded from MEDIA_STORAGE the way Django loads caches:

    MEDIA_STORAGE = {"BACKEND": "media.backends.s3", "OPTIONS": {"BUCKET": "dangke", ...}}

BACKEND is a module ending with `StorageBackend = TheBackendClass`; a bad setting raises
ImproperlyConfigured. One instance per process (it holds connections); a changed setting (tests)
loads it again.
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from .base import BaseStorageBackend, RenditionUploadFailed

__all__ = ["BaseStorageBackend", "RenditionUploadFailed", "get_storage_backend"]

_backend: BaseStorageBackend | None = None


def load_backend(config: dict) -> BaseStorageBackend:
    path = config.get("BACKEND")
    try:
        module = importlib.import_module(path)
        backend_class = module.StorageBackend
    except (ImportError, AttributeError, TypeError) as exc:
        raise ImproperlyConfigured(f"MEDIA_STORAGE BACKEND {path!r} is not a media storage backend: {exc}") from exc
    try:
        return backend_class(**(config.get("OPTIONS") or {}))
    except KeyError as exc:
        raise ImproperlyConfigured(f"MEDIA_STORAGE OPTIONS lacks {exc}") from exc


def get_storage_backend() -> BaseStorageBackend:
    global _backend
    if _backend is None:
        _backend = load_backend(settings.MEDIA_STORAGE)
    return _backend


def _forget_backend(setting, **kwargs):
    global _backend
    if setting == "MEDIA_STORAGE":
        _backend = None


setting_changed.connect(_forget_backend, dispatch_uid="media-storage-backend-changed")
