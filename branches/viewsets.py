"""Wagtail admin viewsets for organisations, members, session types and sessions.

Each model's permission policy combines the Django model permissions (granted to groups) with the
tree scope of services.scope, so a secretary only lists, opens and edits their own branch and an
organisation department only its subtree, whatever URL they type."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList, PageChooserPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from tabular.exports import ListingExportMixin

from .models import Assignment, Member, Organisation, Session, SessionType
from .models.organisations import SESSION_HOLDING_KINDS
from .services import attendance, live_viewing, scope


def page_type_if_installed(label: str) -> str:
    """The chooser's page type; until the lessons/routes apps define their page models (they are
    built in parallel), any page may be chosen and Session.clean() still checks the type."""
    app_label, model_name = label.split(".")
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return "wagtailcore.Page"
    return label


def scoped_organisations(user):
    """Organisations a user may administer: superuser all, departments their subtrees, secretaries their branch subtree."""
    if user.is_superuser:
        return Organisation.objects.all()
    q = scope.managed_subtrees_q(user)
    branch = scope.secretary_branch(user)
    if branch is not None:
        q |= Q(path__startswith=branch.path)
    return Organisation.objects.filter(q)


class TreeScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions from groups, limited to instances within the user's part of the tree."""

    organisation_lookup = "branch"  # path from the model to its Organisation ("" for Organisation itself)

    def scoped_queryset(self, user):
        orgs = scoped_organisations(user)
        qs = self.model._default_manager.all()
        if user.is_superuser:
            return qs
        if not self.organisation_lookup:
            return qs.filter(pk__in=orgs.values("pk"))
        return qs.filter(**{f"{self.organisation_lookup}__in": orgs.values("pk")})

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        return self.scoped_queryset(user).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.scoped_queryset(user)


class OrganisationPolicy(TreeScopedPermissionPolicy):
    organisation_lookup = ""


class ScopedIndexView(ListingExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "view"]
        )


class InstanceScopeMixin:
    """Refuses an object outside the user's part of the tree, whatever its pk in the URL. Mixed by
    ScopedViewSetMixin into every view of a viewset that loads an object (edit, delete, inspect,
    copy, history and its results, usage, and any view a later Wagtail adds), so the scope is
    decided in one place."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_any_permission_for_instance(
            self.request.user, ("change", "view", "delete"), obj
        ):
            raise PermissionDenied
        return obj


class ScopedViewSetMixin:
    """For a ModelViewSet whose permission policy is tree-scoped: the listing (and its results,
    search and CSV/.xlsx export) shows only instances in the user's scope, and every view that opens
    one instance refuses the others. Reusable by any branch-scoped viewset."""

    index_view_class = ScopedIndexView

    def construct_view(self, view_class, **kwargs):
        if hasattr(view_class, "get_object") and not issubclass(view_class, InstanceScopeMixin):
            view_class = type(f"Scoped{view_class.__name__}", (InstanceScopeMixin, view_class), {})
        return super().construct_view(view_class, **kwargs)


class ScopedForm(WagtailAdminModelForm):
    """Limits every organisation choice to the user's part of the tree."""

    organisation_fields = ("branch",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        orgs = scoped_organisations(user)
        for name in self.organisation_fields:
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(pk__in=orgs.values("pk"))


class MemberForm(ScopedForm):
    organisation_fields = ("branch", "party_group")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "branch" in self.fields:
            self.fields["branch"].queryset = self.fields["branch"].queryset.filter(
                kind__in=SESSION_HOLDING_KINDS
            )
        if self.for_user is not None and not self.for_user.is_superuser and "user" in self.fields:
            # Linking a login account grants access to a branch: only the platform administrators do it.
            self.fields["user"].disabled = True


class SessionForm(ScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "branch" in self.fields:
            self.fields["branch"].queryset = self.fields["branch"].queryset.filter(
                kind__in=SESSION_HOLDING_KINDS
            )
        if self.for_user is not None:
            # Only members of branches the user administers: never the city's whole roll.
            for name in ("organiser", "lecturer"):
                if name in self.fields:
                    self.fields[name].queryset = Member.objects.filter(
                        branch__in=scoped_organisations(self.for_user).values("pk"), is_active=True
                    )

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        formset = self.formsets.get("lesson_links")
        if formset is None:
            return True
        lessons = [
            form.cleaned_data["lesson"]
            for form in formset.forms
            if form.cleaned_data.get("lesson") and not form.cleaned_data.get("DELETE")
        ]
        errors = live_viewing.window_errors(
            lessons, self.cleaned_data.get("starts_at"), self.cleaned_data.get("ends_at")
        )
        for error in errors:
            self.add_error("starts_at", error)
        return not errors

    def save(self, commit=True):
        session = super().save(commit=commit)
        if commit:
            # A group viewing of a lesson counts as the branch's party lesson.
            Session.objects.filter(pk=session.pk).update(counts_as_party_lesson=session.lesson_links.exists())
            attendance.sync_group_viewing(session.pk)  # 集体学习 follows the lessons and the date
        return session


class OrganisationForm(ScopedForm):
    parent = forms.ModelChoiceField(label="上级组织", queryset=Organisation.objects.all(), required=False)
    organisation_fields = ("parent",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
        if self.for_user is not None and not self.for_user.is_superuser:
            self.fields["parent"].required = True

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk and parent.path.startswith(self.instance.path):
            raise forms.ValidationError("不能把组织移到它自己或其下级之下。")
        return parent

    def save(self, commit=True):
        organisation = super().save(commit=False)
        parent = self.cleaned_data.get("parent")
        if organisation.pk is None:
            if parent is None:
                return Organisation.add_root(instance=organisation)
            return parent.add_child(instance=organisation)
        organisation.save()
        current = organisation.get_parent()
        if parent is not None and (current is None or current.pk != parent.pk):
            organisation.move(parent, "last-child")
            organisation.refresh_from_db()
        return organisation


class OrganisationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = "党组织"
    list_display = ["name", "code", "kind", Column("depth", label="层级")]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    edit_handler = ObjectList(
        [
            FieldPanel("parent"),
            FieldPanel("kind"),
            FieldPanel("name"),
            FieldPanel("code"),
            FieldPanel("established_on"),
            FieldPanel("is_active"),
        ],
        base_form_class=OrganisationForm,
    )


class MemberViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Member
    icon = "user"
    menu_label = "党员"
    list_display = ["name", "code", "branch", "role", Column("masked_phone", label="手机")]
    # The export shows what the listing shows (the phone masked), for the members the user may see.
    list_export = [
        "code",
        "name",
        "branch",
        "party_group",
        "get_role_display",
        "joined_on",
        "masked_phone",
        "is_active",
    ]
    export_headings = {"get_role_display": "职务", "masked_phone": "手机"}
    export_filename = "members"
    list_filter = ["role", "is_active"]
    search_fields = ["name", "code"]
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("branch"),
        FieldPanel("party_group"),
        FieldPanel("role"),
        FieldPanel("joined_on"),
        MultiFieldPanel([FieldPanel("phone"), FieldPanel("email")], heading="联系方式"),
        FieldPanel("user"),
        FieldPanel("is_active"),
    ]

    @property
    def edit_handler(self):
        return ObjectList(self.panels, base_form_class=MemberForm)


class SessionTypeViewSet(ModelViewSet):
    model = SessionType
    icon = "date"
    menu_label = "会议类型与频次"
    list_display = ["name", "cadence", "required", "default_rrule"]
    form_fields = [
        "name",
        "slug",
        "cadence",
        "required",
        "default_rrule",
        "default_start_time",
        "default_duration_minutes",
        "committee_only",
        "needs_quorum",
        "is_party_lesson",
        "sort_order",
    ]


class SessionViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Session
    icon = "calendar"
    menu_label = "会议"
    list_display = ["topic", "branch", "session_type", "starts_at", "status"]
    list_filter = ["status", "session_type"]
    search_fields = ["topic", "place"]
    ordering = ["-starts_at"]
    panels = [
        FieldPanel("branch"),
        FieldPanel("session_type"),
        FieldPanel("topic"),
        MultiFieldPanel(
            [FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("place")], heading="时间地点"
        ),
        FieldPanel("organiser"),
        FieldPanel("lecturer"),
        FieldPanel("agenda"),
        FieldPanel("status"),
        InlinePanel(
            "lesson_links",
            label="观看党课",
            panels=[
                PageChooserPanel(
                    "lesson", page_type=page_type_if_installed(settings.BRANCHES_LESSON_PAGE_TYPE)
                )
            ],
        ),
        PageChooserPanel("route", page_type=page_type_if_installed(settings.BRANCHES_ROUTE_PAGE_TYPE)),
        FieldPanel("minutes"),
        FieldPanel("decisions"),
        InlinePanel("photos", label="会议照片", panels=[FieldPanel("file"), FieldPanel("caption")]),
    ]

    @property
    def edit_handler(self):
        return ObjectList(self.panels, base_form_class=SessionForm)


class AssignmentPolicy(TreeScopedPermissionPolicy):
    """Assignments given to organisations the user may assign to: a department's subtree, a
    secretary's own branch (never a city assignment that merely reaches it)."""

    def scoped_queryset(self, user):
        from .services.assignments import assignable_organisations

        qs = Assignment.objects.all()
        if user.is_superuser:
            return qs
        return qs.filter(organisation__in=assignable_organisations(user).values("pk"))


class AssignmentAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        from lessons.models import LessonPage, LessonSeriesPage

        from .services.assignments import assignable_organisations

        super().__init__(*args, **kwargs)
        if "organisation" in self.fields:
            orgs = (
                Organisation.objects.all()
                if self.for_user is None
                else assignable_organisations(self.for_user)
            )
            self.fields["organisation"].queryset = orgs.order_by("path")
        if "lessons" in self.fields:
            self.fields["lessons"].queryset = LessonPage.objects.live().order_by("-date_given")
        if "series" in self.fields:
            self.fields["series"].queryset = LessonSeriesPage.objects.live().order_by("title")

    def clean(self):
        data = super().clean()
        if not data.get("series") and not data.get("lessons"):
            raise forms.ValidationError("请选择至少一讲党课或一个系列。")
        return data

    def save(self, commit=True):
        from .services.assignments import include_series

        assignment = super().save(commit=False)
        if assignment.pk is None and self.for_user is not None:
            assignment.created_by = self.for_user
        if commit:
            assignment.save()
            self.save_m2m()
            include_series(assignment)
        return assignment


class AssignmentViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Assignment
    icon = "tasks"
    menu_label = "学习任务"
    list_display = ["title", "organisation", "starts_on", "due_on", "required_share"]
    search_fields = ["title"]
    ordering = ["-due_on"]
    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("organisation"),
        FieldPanel("series"),
        FieldPanel("lessons"),
        MultiFieldPanel([FieldPanel("starts_on"), FieldPanel("due_on")], heading="时间"),
        FieldPanel("required_share"),
    ]

    @property
    def edit_handler(self):
        return ObjectList(self.panels, base_form_class=AssignmentAdminForm)


register_permission_policy(Organisation, OrganisationPolicy(Organisation), exact_class=True)
register_permission_policy(Assignment, AssignmentPolicy(Assignment), exact_class=True)
register_permission_policy(Member, TreeScopedPermissionPolicy(Member), exact_class=True)
register_permission_policy(Session, TreeScopedPermissionPolicy(Session), exact_class=True)


class BranchLifeViewSetGroup(ModelViewSetGroup):
    menu_label = "组织生活"
    menu_icon = "group"
    menu_order = 300
    items = (
        OrganisationViewSet("branches_organisations", url_prefix="branches/organisations"),
        MemberViewSet("branches_members", url_prefix="branches/members"),
        SessionTypeViewSet("branches_session_types", url_prefix="branches/session-types"),
        SessionViewSet("branches_sessions", url_prefix="branches/sessions"),
        AssignmentViewSet("branches_assignments", url_prefix="branches/assignments"),
    )
