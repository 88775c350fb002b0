"""The members' search words that found little or nothing: counted per query and day, with no trace
of who searched, and reported to editors (管理后台 → 报表 → 搜索未找到), who can answer a colloquial
phrase the thesaurus does not know (打老虎拍苍蝇) with a synonym of their own in one step."""

from __future__ import annotations

import datetime
import logging
import re

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Subquery, Sum
from django.utils import timezone

from .analysis import fold
from .models import SearchQueryDay, Synonym

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = SearchQueryDay._meta.get_field("query").max_length


def normalise(query: str) -> str:
    """One spelling per query: folded (full width, case, traditional characters) and spaced once."""
    return re.sub(r"\s+", " ", fold(query)).strip()[:MAX_QUERY_LENGTH]


def record_search(query: str, result_count: int, *, today: datetime.date | None = None) -> None:
    """Count one search. A failure to count is logged and never costs the member their results."""
    text = normalise(query)
    if not text:
        return
    day = today or timezone.localdate()
    thin = 1 if result_count <= settings.SEARCH_THIN_RESULTS else 0
    counts = {"searches": F("searches") + 1, "thin_searches": F("thin_searches") + thin,
              "last_result_count": result_count}
    try:
        with transaction.atomic():
            if SearchQueryDay.objects.filter(query=text, day=day).update(**counts):
                return
            try:
                with transaction.atomic():
                    SearchQueryDay.objects.create(query=text, day=day, searches=1, thin_searches=thin,
                                                  last_result_count=result_count)
            except IntegrityError:
                # Another request counted the first search of the day in between: add to its row.
                SearchQueryDay.objects.filter(query=text, day=day).update(**counts)
    except DatabaseError:
        logger.warning("search query not counted: %r", text, exc_info=True)


def search_gaps(*, days: int | None = None, today: datetime.date | None = None):
    """Queries that found little or nothing at least once in the last `days` days, most often first:
    rows of query, searches_total, thin_total, last_day, latest_result_count (of its latest day)
    and synonym_pk (the editors' synonym for it, if any)."""
    days = days or settings.SEARCH_GAP_DAYS
    since = (today or timezone.localdate()) - datetime.timedelta(days=days - 1)
    latest = SearchQueryDay.objects.filter(query=OuterRef("query")).order_by("-day")
    return (
        SearchQueryDay.objects.filter(day__gte=since)
        .values("query")
        .annotate(searches_total=Sum("searches"), thin_total=Sum("thin_searches"), last_day=Max("day"),
                  latest_result_count=Subquery(latest.values("last_result_count")[:1]),
                  synonym_pk=Subquery(Synonym.objects.filter(term=OuterRef("query")).values("pk")[:1]))
        .filter(thin_total__gt=0)
        .order_by("-thin_total", "-last_day", "query")
    )


def prune_query_log(*, today: datetime.date | None = None) -> int:
    """Delete counts older than SEARCH_QUERY_LOG_DAYS (search words can name people)."""
    cutoff = (today or timezone.localdate()) - datetime.timedelta(days=settings.SEARCH_QUERY_LOG_DAYS)
    deleted, _ = SearchQueryDay.objects.filter(day__lt=cutoff).delete()
    return deleted
