"""The editors' report of search words that found little or nothing (search.query_log)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from . import query_log
from .models import SearchQueryDay, Synonym


class SynonymActionColumn(Column):
    """添加同义词 (the form filled with the query) or 编辑同义词 when the query has its synonyms."""

    cell_template_name = "search/admin/synonym_action_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["row"] = instance
        return context


class SearchGapsReportView(ReportView):
    page_title = "搜索未找到"
    header_icon = "search"
    index_url_name = "search_admin:gaps"
    index_results_url_name = "search_admin:gaps_results"
    results_template_name = "search/admin/search_gaps_results.html"
    permission_policy = ModelPermissionPolicy(SearchQueryDay)
    permission_required = "view"
    columns = [
        Column("query", label="搜索词"),
        Column("searches", label="搜索次数"),
        Column("thin_searches", label="结果很少或没有的次数"),
        Column("last_result_count", label="最近一次结果数"),
        DateColumn("last_day", label="最近搜索"),
        SynonymActionColumn("action", label="操作"),
    ]
    list_export = ["query", "searches", "thin_searches", "last_result_count", "last_day"]
    export_headings = {
        "query": "搜索词", "searches": "搜索次数", "thin_searches": "结果很少或没有的次数",
        "last_result_count": "最近一次结果数", "last_day": "最近搜索",
    }

    def get_filename(self):
        return f"search-gaps-{datetime.date.today():%Y-%m-%d}"

    def get_queryset(self):
        return query_log.search_gaps()

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["gap_days"] = settings.SEARCH_GAP_DAYS
        context["thin_results"] = settings.SEARCH_THIN_RESULTS
        return context

    def get_table(self, object_list):
        return super().get_table(self.decorate_paginated_queryset(object_list))

    def decorate_paginated_queryset(self, object_list):
        rows = list(object_list)
        if rows and isinstance(rows[0], SimpleNamespace):
            return rows
        latest = query_log.last_result_counts([row["query"] for row in rows])
        synonyms = dict(Synonym.objects.filter(term__in=[row["query"] for row in rows]).values_list("term", "pk"))
        add_url = reverse("wagtailsnippets_search_synonym:add")
        term_length = Synonym._meta.get_field("term").max_length
        return [
            SimpleNamespace(
                query=row["query"], searches=row["searches_total"], thin_searches=row["thin_total"],
                last_result_count=latest.get(row["query"], 0), last_day=row["last_day"],
                synonym_url=(
                    reverse("wagtailsnippets_search_synonym:edit", args=[synonyms[row["query"]]])
                    if row["query"] in synonyms else ""
                ),
                # A query longer than a term fits is no single word to give synonyms to.
                add_synonym_url=(
                    f"{add_url}?{urlencode({'term': row['query']})}" if len(row["query"]) <= term_length else ""
                ),
            )
            for row in rows
        ]
