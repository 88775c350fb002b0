from django.contrib.auth.management import create_permissions
from django.db import migrations

SECRETARY = "支部书记"
ACTIONS = ["add", "change", "delete", "view"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("branches")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SECRETARY)
    for action in ACTIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="branches", codename=f"{action}_assignment")
        )


class Migration(migrations.Migration):
    dependencies = [("branches", "0004_study_assignments")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
