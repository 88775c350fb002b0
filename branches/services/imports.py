"""Imports of the organisation tree and the member rolls (CSV or JSON Lines, through
tabular.imports), idempotent by code. Each bad row is reported with its line number and the
reason; good rows are kept."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from tabular.imports import ImportReport, RowError, Rows, run_import, text

from ..models import Member, Organisation, OrganisationKind, Role

KIND_BY_LABEL = {label: value for value, label in OrganisationKind.choices} | {
    value: value for value in OrganisationKind.values
}
ROLE_BY_LABEL = {label: value for value, label in Role.choices} | {value: value for value in Role.values}
GROUP_KIND = OrganisationKind.GROUP


def parse_date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.replace("/", "-"))
    except ValueError as exc:
        raise RowError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


ORGANISATION_COLUMNS = ("code", "name", "kind", "parent_code", "established_on")
MEMBER_COLUMNS = ("code", "name", "branch_code", "group_code", "role", "joined_on", "phone", "email", "username")


def import_organisations(rows: Rows, progress=None) -> ImportReport:
    """Columns: code, name, kind (类型, Chinese or key), parent_code (empty for a root), established_on."""
    return run_import(rows, _import_organisation, progress=progress)


def _fields(row: dict, names) -> dict[str, str]:
    return {name: text(row, name) for name in names}


def _import_organisation(row: dict, report: ImportReport) -> str:
    row = _fields(row, ORGANISATION_COLUMNS)
    code, name = row["code"], row["name"]
    if not code:
        raise RowError("缺少组织代码（code）")
    if not name:
        raise RowError("缺少名称（name）")
    kind = KIND_BY_LABEL.get(row.get("kind", ""))
    if kind is None:
        raise RowError(f"未知的组织类型：{row.get('kind', '')}")
    established = parse_date(row.get("established_on", ""))
    parent = None
    if row.get("parent_code"):
        parent = Organisation.objects.filter(code=row["parent_code"]).first()
        if parent is None:
            raise RowError(f"上级组织不存在：{row['parent_code']}")
    existing = Organisation.objects.filter(code=code).first()
    if existing is None:
        fields = {"code": code, "name": name, "kind": kind}
        if established:
            fields["established_on"] = established
        if parent is None:
            Organisation.add_root(**fields)
        else:
            parent.add_child(**fields)
        return "created"
    changed = False
    for attr, value in (("name", name), ("kind", kind), ("established_on", established)):
        if value and getattr(existing, attr) != value:
            setattr(existing, attr, value)
            changed = True
    if changed:
        existing.save()
    current_parent = existing.get_parent()
    if parent is not None and (current_parent is None or current_parent.pk != parent.pk):
        if parent.path.startswith(existing.path):
            raise RowError("不能把组织移到它自己的下级之下")
        existing.move(parent, "last-child")
        changed = True
    return "updated" if changed else "unchanged"


def import_members(rows: Rows, progress=None) -> ImportReport:
    """Columns: code, name, branch_code, group_code, role, joined_on, phone, email, username."""
    return run_import(rows, _import_member, progress=progress)


def _import_member(row: dict, report: ImportReport) -> str:
    row = _fields(row, MEMBER_COLUMNS)
    code, name = row["code"], row["name"]
    if not code:
        raise RowError("缺少党员编号（code）")
    if not name:
        raise RowError("缺少姓名（name）")
    branch = Organisation.objects.filter(code=row.get("branch_code", "")).first()
    if branch is None:
        raise RowError(f"所在支部不存在：{row.get('branch_code', '')}")
    if not branch.holds_sessions:
        raise RowError(f"{branch.name}不是党支部")
    group = None
    if row.get("group_code"):
        group = Organisation.objects.filter(code=row["group_code"], kind=GROUP_KIND).first()
        if group is None or not group.path.startswith(branch.path):
            raise RowError(f"党小组不存在或不属于该支部：{row['group_code']}")
    role = ROLE_BY_LABEL.get(row.get("role") or "党员")
    if role is None:
        raise RowError(f"未知的职务：{row.get('role')}")
    phone = row.get("phone", "")
    if phone and not phone.replace("-", "").isdigit():
        raise RowError(f"手机号格式不正确：{phone}")
    values = {
        "name": name,
        "branch": branch,
        "party_group": group,
        "role": role,
        "joined_on": parse_date(row.get("joined_on", "")),
        "phone": phone,
        "email": row.get("email", ""),
    }
    if row.get("username"):
        user = get_user_model().objects.filter(username=row["username"]).first()
        if user is None:
            raise RowError(f"登录账号不存在：{row['username']}")
        other = Member.objects.filter(user=user).exclude(code=code).first()
        if other is not None:
            raise RowError(f"登录账号已关联党员 {other.code}")
        values["user"] = user
    member = Member.objects.filter(code=code).first()
    if member is None:
        Member.objects.create(code=code, **values)
        return "created"
    changed = [attr for attr, value in values.items() if getattr(member, attr) != value]
    if not changed:
        return "unchanged"
    for attr in changed:
        setattr(member, attr, values[attr])
    member.save()
    return "updated"
