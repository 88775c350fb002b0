"""Typed parsing of request parameters for the branch views: what does not parse, or lies outside
the range the view can use, raises BadRequest with a Chinese message, which
cms.middleware.BadInputMiddleware answers as a 400 (never a 500 from deep in a query)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**63 - 1


def optional_id(query, name: str, label: str) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise BadRequest(f"{label}编号无效：应为正整数。")
    return int(raw)


def object_from_param(query, name: str, model, label: str, **filters):
    """The object named by an id parameter, None when the parameter is absent; 404 if it names none."""
    pk = optional_id(query, name, label)
    if pk is None:
        return None
    return get_object_or_404(model, pk=pk, **filters)


def checked_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadRequest(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 年之间。")
    return year


def form_errors(form) -> str:
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''}：{' '.join(errors)}".lstrip("：")
        for name, errors in form.errors.items()
    )
