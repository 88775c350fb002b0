from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, MODERATOR = "编辑", "审核"
GRANTS = {
    EDITOR: ["add_speaker", "change_speaker", "view_speaker"],
    MODERATOR: ["add_speaker", "change_speaker", "delete_speaker", "view_speaker"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("lessons")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="lessons", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="lessons", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_initial"), ("cms", "0002_roles_and_review_workflow")]
    operations = [migrations.RunPython(grant, revoke)]
