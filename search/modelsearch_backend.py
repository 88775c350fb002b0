"""Wagtail's own search (admin page, image, document and media search, choosers) with our analyzer.

Wraps the `modelsearch` database backend, version 1.3 (pinned in pyproject.toml: this module
overrides its ObjectIndexer.prepare_value and BaseSearchBackend._search, which are internal).
Indexed text becomes the analyzer's tokens (words and character pairs, traditional folded to
simplified); a query becomes the character pairs of its Chinese runs, all required. Without this,
the stock backend treats 三会一课是党支部的基本制度 as one word and a search for 三会一课 finds nothing.

    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.modelsearch_backend"}}
"""

from __future__ import annotations

import sys
import threading

from django.db import connection
from modelsearch.query import PlainText

from .analysis import CJK_RUN, TOKEN_RUN, character_pairs, fold, get_analyzer

_swap_lock = threading.RLock()


def analyzed_text(value: str) -> str:
    return " ".join(get_analyzer().tokens(value))


def analyzed_query(query: str) -> str:
    terms: list[str] = []
    for run in TOKEN_RUN.findall(fold(query)):
        terms.extend(character_pairs(run) if CJK_RUN.fullmatch(run) else [run])
    return " ".join(dict.fromkeys(terms))


def _chinese_indexer(base):
    class ChineseObjectIndexer(base):
        def prepare_value(self, value):
            return analyzed_text(super().prepare_value(value))

    return ChineseObjectIndexer


def _chinese_index(base):
    module = sys.modules[base.__module__]
    indexer_class = _chinese_indexer(module.ObjectIndexer)

    class ChineseIndex(base):
        def add_items(self, model, objs):
            # add_items builds module-level ObjectIndexer objects; ours folds and segments the text.
            with _swap_lock:
                original = module.ObjectIndexer
                module.ObjectIndexer = indexer_class
                try:
                    return super().add_items(model, objs)
                finally:
                    module.ObjectIndexer = original

    return ChineseIndex


def _chinese_backend(base):
    class ChineseSearchBackend(base):
        index_class = _chinese_index(base.index_class)

        def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
            if isinstance(query, str):
                query = analyzed_query(query)
            elif isinstance(query, PlainText):
                query = PlainText(analyzed_query(query.query_string), operator=query.operator)
            if kwargs.get("operator") is None:
                kwargs["operator"] = "and"  # every character pair of the query, not any one
            return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)

    return ChineseSearchBackend


_classes: dict[str, type] = {}


def SearchBackend(params):  # noqa: N802 (modelsearch's loader calls SearchBackend(params))
    vendor = connection.vendor
    if vendor not in _classes:
        if vendor == "postgresql":
            from modelsearch.backends.database.postgres.postgres import PostgresSearchBackend as base
        elif vendor == "sqlite":
            from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend as base
        else:
            from modelsearch.backends.database.fallback import DatabaseSearchBackend as base
        _classes[vendor] = _chinese_backend(base) if hasattr(base, "index_class") else base
    return _classes[vendor](params)
