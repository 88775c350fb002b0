"""Records and statistics: the yearly register (page and .xlsx) and the cadence report (page and CSV)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from tabular.exports import export_response

from ..forms import ReportForm
from ..models import Organisation
from ..services import register, scope
from ..services.cadence import cadence_report, current_window, window_for
from .guards import secretary_branch_or_403
from .params import checked_year, form_errors, object_from_param

REPORT_FIELDS = ("period", "year", "index")


def _register_branch(request) -> Organisation:
    branch = object_from_param(request.GET, "branch", Organisation, "组织")
    if branch is not None:
        if not scope.can_report_on(request.user, branch):
            raise PermissionDenied
        return branch
    return secretary_branch_or_403(request)


@login_required
def register_page(request, year):
    year = checked_year(year)
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
    year = checked_year(year)
    branch = _register_branch(request)
    return export_response(register.register_table(branch, year), f"register-{branch.code}-{year}", "xlsx")


def _report_params(request):
    roots = scope.reportable_roots(request.user)
    if not roots:
        raise PermissionDenied("您没有查看组织生活统计的权限。")
    root = object_from_param(request.GET, "org", Organisation, "组织") or roots[0]
    if not scope.can_report_on(request.user, root):
        raise PermissionDenied
    today = timezone.localdate()
    bound = any(request.GET.get(name) for name in REPORT_FIELDS)
    form = ReportForm(request.GET if bound else None, initial={"period": "quarter", "year": today.year})
    if form.is_bound and form.is_valid():
        return (
            roots,
            root,
            window_for(form.cleaned_data["period"], form.cleaned_data["year"], form.cleaned_data["index"]),
            form,
            "",
        )
    error = f"统计周期无效：{form_errors(form)}" if form.is_bound else ""
    window = current_window("quarter", today)
    if not form.is_bound:
        form = ReportForm(initial={"period": "quarter", "year": today.year, "index": window.index})
    return roots, root, window, form, error


@login_required
def report(request):
    """The cadence report; a period that does not parse shows the current quarter, the form with its
    errors and the reason, with status 400."""
    roots, root, window, form, error = _report_params(request)
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
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def report_csv(request):
    _roots, root, window, _form, error = _report_params(request)
    if error:
        raise BadRequest(error)
    table = cadence_report(root, window).gaps_table()
    return export_response(table, f"cadence-{root.code}-{window.kind}-{window.year}-{window.index}", "csv")
