from django.db import models
from wagtail.search import index as wagtail_index

from .registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC


class Synonym(wagtail_index.Indexed, models.Model):
    """A term and the words that mean the same (主题党日 ↔ 党员活动日) or an abbreviation and its
    full form (两学一做 → 学党章党规、学系列讲话，做合格党员). Queries find all of them."""

    KIND_SYNONYM = "synonym"
    KIND_ABBREVIATION = "abbreviation"
    KIND_CHOICES = [(KIND_SYNONYM, "同义词"), (KIND_ABBREVIATION, "简称与全称")]

    term = models.CharField("词语或简称", max_length=60, unique=True)
    alternatives = models.TextField(
        "同义词或全称", help_text="每行一个；搜索任何一个都能找到包含其他词语的内容。"
    )
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES, default=KIND_SYNONYM)
    enabled = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    search_fields = [wagtail_index.SearchField("term"), wagtail_index.SearchField("alternatives")]

    class Meta:
        verbose_name = "同义词与简称"
        verbose_name_plural = "同义词与简称"
        ordering = ["term"]

    def __str__(self):
        return self.term

    @property
    def alternative_list(self) -> list[str]:
        return [line.strip() for line in self.alternatives.replace("，", "\n").splitlines() if line.strip()]

    @classmethod
    def as_mapping(cls) -> dict[str, list[str]]:
        return {s.term: s.alternative_list for s in cls.objects.filter(enabled=True)}


class DictionaryTerm(models.Model):
    """Names the platform knows (speakers, sites, series), added to the segmentation dictionary."""

    text = models.CharField("词语", max_length=60, unique=True)

    class Meta:
        verbose_name = "分词词典词语"
        verbose_name_plural = "分词词典词语"

    def __str__(self):
        return self.text


class IndexEntry(models.Model):
    """One indexed SearchDocument for the embedded backend. Its token streams live in the FTS5 table
    `search_fts` (SQLite) or the `search_vector` tsvector column (PostgreSQL), both created by
    migration 0002 outside the model because each exists on one database only."""

    key = models.CharField(max_length=120, unique=True)  # "lesson:42"
    doc_type = models.CharField(max_length=40, db_index=True)
    object_pk = models.CharField(max_length=60)
    title = models.CharField(max_length=500)
    url = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    fields = models.JSONField(default=dict, blank=True)
    transcript = models.JSONField(default=list, blank=True)  # [[start, text], …]
    facets = models.JSONField(default=dict, blank=True)
    audience = models.CharField(
        max_length=20, choices=[(AUDIENCE_PUBLIC, "公开"), (AUDIENCE_MEMBERS, "仅党员")], default=AUDIENCE_PUBLIC
    )
    published_at = models.DateTimeField(null=True, blank=True)
    location_lat = models.FloatField(null=True, blank=True)
    location_lon = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "搜索索引条目"
        indexes = [models.Index(fields=["audience", "doc_type"])]

    def __str__(self):
        return self.key


class FacetValue(models.Model):
    """Facet values of an entry, one row each, so facet counts are one GROUP BY."""

    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="facet_values")
    name = models.CharField(max_length=40)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["name", "value"])]

    def __str__(self):
        return f"{self.name}={self.value}"


class SuggestEntry(models.Model):
    """Titles and names offered by autocomplete (embedded backend), with their pinyin."""

    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="suggest_entries")
    text = models.CharField(max_length=500)
    folded = models.CharField(max_length=500)
    pinyin = models.CharField(max_length=1000)  # syllables without spaces
    initials = models.CharField(max_length=200)
    audience = models.CharField(max_length=20, default=AUDIENCE_PUBLIC)
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        # Prefix lookups only: one pattern index per key on PostgreSQL (a plain one on SQLite, where
        # the backend reads ranges), not the two that db_index would make there.
        indexes = [
            models.Index(fields=[name], name=f"search_suggest_{name}", opclasses=["varchar_pattern_ops"])
            for name in ("folded", "pinyin", "initials")
        ]

    def __str__(self):
        return self.text


class IndexReceipt(models.Model):
    """What the last index update for a document did, and when its task started (search.recovery).
    The recovery sweep compares these with the pages themselves to find updates that were lost
    (a queue that went away with its jobs) and queues them again."""

    key = models.CharField(max_length=120, unique=True)  # "lesson:42"
    indexed = models.BooleanField()  # False: the update dropped it (unpublished, private, deleted)
    audience = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = "搜索索引回执"

    def __str__(self):
        return self.key


class SearchQueryDay(models.Model):
    """How often members searched for a query on one day and how often it found little or nothing,
    so editors can see the words members use that the content and the thesaurus do not know. Who
    searched is not kept; rows older than SEARCH_QUERY_LOG_DAYS are deleted (search.query_log)."""

    query = models.CharField("搜索词", max_length=200)
    day = models.DateField("日期")
    searches = models.PositiveIntegerField("搜索次数", default=0)
    thin_searches = models.PositiveIntegerField("结果很少的次数", default=0)
    last_result_count = models.PositiveIntegerField("最近一次结果数", default=0)

    class Meta:
        verbose_name = "搜索词统计"
        verbose_name_plural = "搜索词统计"
        constraints = [models.UniqueConstraint(fields=["query", "day"], name="search_query_day_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.query} ({self.day})"
