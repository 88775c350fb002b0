from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, MODERATOR = "编辑", "审核"
# Editors keep the synonym list and read the report of searches that found little (search app).
GRANTS = {
    EDITOR: ["add_synonym", "change_synonym", "view_synonym", "view_searchqueryday"],
    MODERATOR: ["add_synonym", "change_synonym", "delete_synonym", "view_synonym", "view_searchqueryday"],
}


def _permissions(apps, codenames):
    return apps.get_model("auth", "Permission").objects.filter(content_type__app_label="search", codename__in=codenames)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("search")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [("cms", "0003_periodic_job_state"), ("search", "0008_search_query_day")]
    operations = [migrations.RunPython(grant, revoke)]
