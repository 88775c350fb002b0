from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node


class OrganisationKind(models.TextChoices):
    CITY = "city", "市委"
    DISTRICT = "district", "区（县）委"
    STREET = "street", "街道（乡镇）党（工）委"
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GRID_BRANCH = "grid_branch", "网格党支部"
    GROUP = "group", "党小组"


# Organisations that hold 三会一课 themselves and are checked against the cadence.
SESSION_HOLDING_KINDS = (OrganisationKind.BRANCH, OrganisationKind.GRID_BRANCH)


class Organisation(MP_Node):
    kind = models.CharField("类型", max_length=20, choices=OrganisationKind.choices)
    name = models.CharField("名称", max_length=120)
    code = models.CharField("组织代码", max_length=40, unique=True)
    established_on = models.DateField(
        "成立日期", default=timezone.localdate, help_text="成立当期不作组织生活频次要求。"
    )
    is_active = models.BooleanField("有效", default=True)

    node_order_by: list[str] = []

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["kind", "path"], name="branches_org_kind_path")]

    def __str__(self):
        return self.name

    @property
    def holds_sessions(self) -> bool:
        return self.kind in SESSION_HOLDING_KINDS

    def subtree(self):
        return Organisation.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy", "副书记"
    COMMITTEE_MEMBER = "committee", "委员"
    MEMBER = "member", "党员"
    PROBATIONARY = "probationary", "预备党员"


SECRETARY_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY)
COMMITTEE_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER)


class Member(models.Model):
    """A party member on a branch roll. Personal data kept to what the registers need."""

    code = models.CharField("党员编号", max_length=40, unique=True)
    name = models.CharField("姓名", max_length=60)
    branch = models.ForeignKey(
        Organisation, verbose_name="所在支部", on_delete=models.PROTECT, related_name="members"
    )
    party_group = models.ForeignKey(
        Organisation,
        verbose_name="党小组",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
    )
    role = models.CharField("职务", max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_member",
    )
    is_active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch_id", "name"]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        if len(self.phone) < 7:
            return "*" * len(self.phone)
        return f"{self.phone[:3]}****{self.phone[-4:]}"

    @property
    def votes(self) -> bool:
        return self.role != Role.PROBATIONARY

    @property
    def is_secretary(self) -> bool:
        return self.role in SECRETARY_ROLES

    @property
    def contact_email(self) -> str:
        return self.email or (self.user.email if self.user_id else "")


class OrganisationManager(models.Model):
    """An organisation-department user who sees and reports on a whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_organisations"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="managers")

    class Meta:
        verbose_name = "组织部门管理员"
        verbose_name_plural = "组织部门管理员"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="branches_unique_manager")
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation}"
