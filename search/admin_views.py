"""The editors' report of search words that found little or nothing (search.query_log)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from . import query_log
from .models import SearchQueryDay, Synonym


class SynonymActionColumn(Column):
    """编辑同义词 when the query has its synonyms, else 添加同义词 (the form filled with the query)."""

    cell_template_name = "search/admin/synonym_action_cell.html"

    def get_cell_context_data(self, row, parent_context):
        context = super().get_cell_context_data(row, parent_context)
        context["synonym_url"] = context["add_synonym_url"] = ""
        if row["synonym_pk"]:
            context["synonym_url"] = reverse("wagtailsnippets_search_synonym:edit", args=[row["synonym_pk"]])
        elif len(row["query"]) <= Synonym._meta.get_field("term").max_length:
            # A query longer than a term fits is no single word to give synonyms to.
            add_url = reverse("wagtailsnippets_search_synonym:add")
            context["add_synonym_url"] = f"{add_url}?{urlencode({'term': row['query']})}"
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
        Column("searches_total", label="搜索次数"),
        Column("thin_total", label="结果很少或没有的次数"),
        Column("latest_result_count", label="最近一次结果数"),
        DateColumn("last_day", label="最近搜索"),
        SynonymActionColumn("action", label="操作"),
    ]
    list_export = ["query", "searches_total", "thin_total", "latest_result_count", "last_day"]
    export_headings = {
        "query": "搜索词", "searches_total": "搜索次数", "thin_total": "结果很少或没有的次数",
        "latest_result_count": "最近一次结果数", "last_day": "最近搜索",
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
