"""Study assignments (学习任务) on the site: the list and the form to give one, the completion
report (rates per organisation down the tree, drill-down, CSV/.xlsx), the secretary's per-member
view with its nudge button, and JSON for the member's own assignments and for the rates.

Every view checks the tree on the server: rates for the organisations a user reports on, the
per-member list only for that branch's secretary, a member only themselves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from search.analysis import fold
from tabular.exports import export_response

from ..forms import RECENT_LESSONS_LISTED, AssignmentForm
from ..models import Assignment, Member, Organisation
from ..services import assignments as svc
from ..services import scope


def _may_report(user) -> bool:
    return user.is_superuser or bool(svc.report_scopes(user))


def _visible_assignment(request, pk) -> Assignment:
    """The assignment if it reaches into the user's scope; 404 otherwise (its existence is not theirs)."""
    return get_object_or_404(svc.visible_assignments(request.user), pk=pk)


def _report_root(request, assignment) -> Organisation:
    org_id = request.GET.get("org")
    organisation = None
    if org_id:
        if not org_id.isdigit():
            raise Http404
        organisation = get_object_or_404(Organisation, pk=org_id)
    root = svc.report_root(request.user, assignment, organisation)
    if root is None:
        raise PermissionDenied("您无权查看该组织的学习任务完成情况。")
    return root


@login_required
def assignment_list(request):
    if not _may_report(request.user):
        raise PermissionDenied("只有组织部门和支部书记可以查看学习任务的完成情况。")
    today = timezone.localdate()
    items = list(svc.visible_assignments(request.user).order_by("-due_on", "-pk")[:200])
    for item in items:
        item.is_open = item.starts_on <= today <= item.due_on
        item.editable = svc.can_edit(request.user, item)
    return render(
        request,
        "branches/assignment_list.html",
        {"assignments": items, "may_assign": svc.may_assign(request.user), "today": today},
    )


def _form_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "description": data["description"],
        "organisation": data["organisation"],
        "series": data["series"].specific if data["series"] else None,
        "lessons": list(data["lessons"]),
        "starts_on": data["starts_on"],
        "due_on": data["due_on"],
        "required_share": data["required_percent"] / 100,
    }


@login_required
def assignment_create(request):
    if not svc.may_assign(request.user):
        raise PermissionDenied("只有组织部门和支部书记可以下达学习任务。")
    form = AssignmentForm(request.POST or None, organisations=svc.assignable_organisations(request.user))
    if request.method == "POST" and form.is_valid():
        if not svc.can_assign_to(
            request.user, form.cleaned_data["organisation"]
        ):  # the choices limit it already
            raise PermissionDenied
        try:
            assignment = svc.create_assignment(created_by=request.user, **_form_fields(form))
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, f"已向{assignment.organisation.name}下达学习任务“{assignment.title}”。")
            return redirect("branches:assignment_detail", assignment.pk)
    return render(request, "branches/assignment_form.html",
                  {"form": form, "recent_lessons_listed": RECENT_LESSONS_LISTED})


LESSON_SEARCH_RESULTS = 20


@login_required
def assignment_lesson_search(request):
    """Lessons for the assignment form's search box: live lessons whose title holds the words typed
    (folded: 黨課 finds 党课), newest first; for those who may give assignments only."""
    from lessons.models import LessonPage

    if not svc.may_assign(request.user):
        raise PermissionDenied("只有组织部门和支部书记可以下达学习任务。")
    words = request.GET.get("q", "").replace("\x00", "").split()[:5]
    lessons = LessonPage.objects.live().order_by("-date_given", "title")
    for word in words:
        lessons = lessons.filter(title__icontains=fold(word[:40]))
    results = [
        {"id": page.pk, "title": page.title, "date": page.date_given.isoformat() if page.date_given else ""}
        for page in (lessons[:LESSON_SEARCH_RESULTS] if words else [])
    ]
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def _editable_assignment(request, pk) -> Assignment:
    assignment = _visible_assignment(request, pk)
    if not svc.can_edit(request.user, assignment):
        raise PermissionDenied("只有下达该任务的组织可以修改或撤销它。")
    return assignment


@login_required
def assignment_edit(request, pk):
    assignment = _editable_assignment(request, pk)
    initial = {
        "title": assignment.title,
        "description": assignment.description,
        "organisation": assignment.organisation,
        "series": assignment.series_id,
        "lessons": list(assignment.lessons.values_list("pk", flat=True)),
        "starts_on": assignment.starts_on,
        "due_on": assignment.due_on,
        "required_percent": assignment.required_percent,
    }
    form = AssignmentForm(
        request.POST or None, organisations=svc.assignable_organisations(request.user), initial=initial
    )
    if svc.is_frozen(assignment):
        form.fields["organisation"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            svc.update_assignment(assignment, **_form_fields(form))
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, f"已保存学习任务“{assignment.title}”。")
            return redirect("branches:assignment_detail", assignment.pk)
    return render(request, "branches/assignment_form.html",
                  {"form": form, "assignment": assignment, "recent_lessons_listed": RECENT_LESSONS_LISTED})


@login_required
@require_POST
def assignment_delete(request, pk):
    assignment = _editable_assignment(request, pk)
    title = assignment.title
    assignment.delete()
    messages.success(request, f"已撤销学习任务“{title}”。")
    return redirect("branches:assignments")


def _breadcrumbs(user, assignment, root) -> list[Organisation]:
    """The organisations from the assignment's down to `root` that the user may also open."""
    return [
        org
        for org in root.get_ancestors()
        if org.path.startswith(assignment.organisation.path) and svc.report_root(user, assignment, org)
    ]


@login_required
def assignment_detail(request, pk):
    assignment = _visible_assignment(request, pk)
    root = _report_root(request, assignment)
    context = {
        "assignment": assignment,
        "editable": svc.can_edit(request.user, assignment),
        "root": root,
        "lessons": list(assignment.lessons.live().order_by("date_given", "pk")),
        "breadcrumbs": _breadcrumbs(request.user, assignment, root),
        "frozen": svc.is_frozen(assignment),
        "today": timezone.localdate(),
    }
    if svc.may_see_members(request.user, root):
        rows = svc.branch_members(assignment, root)
        finished = sum(1 for r in rows if r.finished)
        context.update(
            members=rows,
            finished=finished,
            percent=round(finished * 100 / len(rows), 1) if rows else 0.0,
            may_nudge=assignment.due_on >= context["today"],
        )
        return render(request, "branches/assignment_branch.html", context)
    context["report"] = svc.rate_report(assignment, root)
    return render(request, "branches/assignment_report.html", context)


@login_required
def assignment_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    assignment = _visible_assignment(request, pk)
    root = _report_root(request, assignment)
    report = svc.rate_report(assignment, root)
    return export_response(svc.rate_table(report), f"assignment-{assignment.pk}-{root.code}", fmt)


@login_required
@require_POST
def assignment_nudge(request, pk, member_pk):
    assignment = _visible_assignment(request, pk)
    branch = scope.secretary_branch(request.user)
    if branch is None or svc.report_root(request.user, assignment, branch) is None:
        raise PermissionDenied("只有本支部书记可以提醒本支部党员。")
    member = get_object_or_404(Member, pk=member_pk, branch=branch)
    try:
        svc.nudge(assignment, member, sent_by=request.user)
    except svc.NudgeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已向{member.name}发送学习提醒。")
    return redirect(f"{reverse('branches:assignment_detail', args=[assignment.pk])}?org={branch.pk}")


@login_required
def api_my_assignments(request):
    """JSON of the member's own open assignments and their own progress (nobody else's)."""
    data = [
        {
            "id": item.assignment.pk,
            "title": item.assignment.title,
            "organisation": item.assignment.organisation.name,
            "starts_on": item.assignment.starts_on.isoformat(),
            "due_on": item.assignment.due_on.isoformat(),
            "days_left": item.days_left,
            "required_percent": item.assignment.required_percent,
            "finished": item.finished,
            "lessons": [
                {
                    "id": lesson.lesson.pk,
                    "title": lesson.lesson.title,
                    "url": lesson.lesson.url,
                    "percent": lesson.percent,
                    "finished": lesson.finished,
                }
                for lesson in item.lessons
            ],
        }
        for item in svc.member_assignments(request.user)
    ]
    return JsonResponse({"results": data})


@login_required
def api_assignment_rates(request, pk):
    """JSON of the rates per organisation below ?org= (the same scope as the report page)."""
    assignment = _visible_assignment(request, pk)
    root = _report_root(request, assignment)
    report = svc.rate_report(assignment, root)

    def rate(r, org):
        return {
            "organisation": org.name if org else f"{root.name}（本级）",
            "id": org.pk if org else None,
            "members": r.members,
            "finished": r.finished,
            "percent": r.percent,
        }

    return JsonResponse(
        {
            "assignment": assignment.pk,
            "organisation": rate(report.total, root),
            "children": [rate(r, r.organisation) for r in report.children],
        }
    )
