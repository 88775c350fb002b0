"""Search backends, chosen by the ``DANGKE_SEARCH_BACKENDS`` settings dict the way Django chooses
caches: each entry's ``BACKEND`` is a module path whose module exports ``SearchBackend``."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_backends: dict[str, object] = {}


def load_backend(params: dict, alias: str = "default"):
    if not isinstance(params, dict) or "BACKEND" not in params:
        raise ImproperlyConfigured(f"DANGKE_SEARCH_BACKENDS[{alias!r}] needs a BACKEND module path.")
    path = params["BACKEND"]
    try:
        module = import_module(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Search backend {path!r} could not be imported: {exc}") from exc
    backend_class = getattr(module, "SearchBackend", None)
    if backend_class is None:
        raise ImproperlyConfigured(f"Search backend module {path!r} does not export SearchBackend.")
    return backend_class(alias=alias, params={k: v for k, v in params.items() if k != "BACKEND"})


def get_search_backend(alias: str = "default"):
    """The configured backend for `alias`, built once per process."""
    backends = getattr(settings, "DANGKE_SEARCH_BACKENDS", None) or {}
    if alias not in backends:
        raise ImproperlyConfigured(f"DANGKE_SEARCH_BACKENDS has no {alias!r} entry.")
    cache_key = f"{alias}:{backends[alias]!r}"
    if cache_key not in _backends:
        _backends[cache_key] = load_backend(backends[alias], alias)
    return _backends[cache_key]


def reset_backends() -> None:
    _backends.clear()
