from django.contrib.auth.management import create_permissions
from django.db import migrations

# The cadence table of ../shared/DOMAIN.md (支部工作条例); the city edits these rows in the admin.
SESSION_TYPES = [
    # name, slug, cadence, default rrule, start, committee only, quorum, party lesson
    ("支部党员大会", "general-meeting", "quarter", "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYDAY=TU;BYSETPOS=3", "15:00", False, True, False),
    ("支部委员会会议", "committee-meeting", "month", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", "09:00", True, False, False),
    ("党小组会", "group-meeting", "month", "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=2", "15:00", False, False, False),
    ("党课", "party-lesson", "quarter", "FREQ=MONTHLY;BYMONTH=2,5,8,11;BYDAY=TH;BYSETPOS=3", "15:00", False, False, True),
    ("主题党日", "theme-day", "month", "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2", "14:30", False, False, False),
    ("组织生活会", "life-meeting", "year", "FREQ=YEARLY;BYMONTH=12;BYDAY=TU;BYSETPOS=2", "14:30", False, False, False),
    ("民主评议党员", "member-appraisal", "year", "FREQ=YEARLY;BYMONTH=12;BYDAY=TH;BYSETPOS=3", "14:30", False, False, False),
]

SECRETARY = "支部书记"
SECRETARY_PERMISSIONS = {
    "session": ["add", "change", "view"],
    "member": ["change", "view"],
    "organisation": ["view"],
    "sessiontype": ["view"],
}


def create_defaults(apps, schema_editor):
    SessionType = apps.get_model("branches", "SessionType")
    for order, (name, slug, cadence, rule, start, committee, quorum, lesson) in enumerate(SESSION_TYPES):
        SessionType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "cadence": cadence,
                "default_rrule": rule,
                "default_start_time": start,
                "committee_only": committee,
                "needs_quorum": quorum,
                "is_party_lesson": lesson,
                "sort_order": order,
            },
        )

    app_config = apps.get_app_config("branches")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SECRETARY)
    for model, actions in SECRETARY_PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="branches", codename=f"{action}_{model}")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial"),
        ("cms", "0002_roles_and_review_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
