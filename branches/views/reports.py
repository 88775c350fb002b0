"""Records and statistics: the yearly register (page and .xlsx) and the cadence report (page and CSV)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ..forms import ReportForm
from ..models import Organisation
from ..services import register, scope
from ..services.cadence import cadence_report, current_window, period_label, window_for
from .guards import secretary_branch_or_403


def _register_branch(request) -> Organisation:
    branch_id = request.GET.get("branch")
    if branch_id:
        branch = get_object_or_404(Organisation, pk=branch_id)
        if not scope.can_report_on(request.user, branch):
            raise PermissionDenied
        return branch
    return secretary_branch_or_403(request)


@login_required
def register_page(request, year):
    branch = _register_branch(request)
    return render(
        request,
        "branches/register.html",
        {
            "branch": branch,
            "year": year,
            "rows": register.register_rows(branch, year),
        },
    )


@login_required
def register_xlsx(request, year):
    branch = _register_branch(request)
    response = HttpResponse(
        register.register_xlsx(branch, year),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="register-{branch.code}-{year}.xlsx"'
    return response


def _report_params(request):
    roots = scope.reportable_roots(request.user)
    if not roots:
        raise PermissionDenied("您没有查看组织生活统计的权限。")
    org_id = request.GET.get("org")
    root = get_object_or_404(Organisation, pk=org_id) if org_id else roots[0]
    if not scope.can_report_on(request.user, root):
        raise PermissionDenied
    today = timezone.localdate()
    form = ReportForm(request.GET or None, initial={"period": "quarter", "year": today.year})
    if form.is_bound and form.is_valid():
        window = window_for(
            form.cleaned_data["period"], form.cleaned_data["year"], form.cleaned_data["index"]
        )
    else:
        window = current_window("quarter", today)
        form = ReportForm(initial={"period": "quarter", "year": today.year, "index": window.index})
    return roots, root, window, form


@login_required
def report(request):
    roots, root, window, form = _report_params(request)
    result = cadence_report(root, window)
    children = list(root.get_children()) if not root.holds_sessions else []
    ancestors = [a for a in root.get_ancestors() if scope.can_report_on(request.user, a)]
    gaps = result.branches_with_gaps
    return render(
        request,
        "branches/report.html",
        {
            "roots": roots,
            "root": root,
            "ancestors": ancestors,
            "window": window,
            "form": form,
            "report": result,
            "summary": result.summary(children),
            "gap_rows": [(b, result.missing_labels(b)) for b in gaps[:200]],
            "gap_total": len(gaps),
            "branch_total": len(result.branches),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def report_csv(request):
    _roots, root, window, _form = _report_params(request)
    result = cadence_report(root, window)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cadence-{root.code}-{window.kind}-{window.year}-{window.index}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(["组织代码", "支部", "会议类型", "缺少的周期", "缺少次数", "统计周期"])
    types = {st.pk: st for st in result.session_types}
    for branch in result.branches_with_gaps:
        for type_pk, buckets in branch.missing.items():
            st = types[type_pk]
            labels = "、".join(period_label(st.cadence, window.year, b) for b in buckets)
            writer.writerow([branch.code, branch.name, st.name, labels, len(buckets), window.label])
    return response
