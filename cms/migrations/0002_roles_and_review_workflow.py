from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, MODERATOR, SECRETARY, MEMBER = "编辑", "审核", "支部书记", "党员"

# Page permissions on the tree root: editors draft, moderators may also publish (and approve tasks).
PAGE_PERMISSIONS = {
    EDITOR: ["add_page", "change_page"],
    MODERATOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
# Collection permissions on the root collection, per app label and model.
COLLECTION_PERMISSIONS = {
    EDITOR: [("wagtailimages", "image", ["add", "change", "choose"]),
             ("wagtaildocs", "document", ["add", "change", "choose"]),
             ("wagtailmedia", "media", ["add", "change"])],
    MODERATOR: [("wagtailimages", "image", ["add", "change", "choose"]),
                ("wagtaildocs", "document", ["add", "change", "choose"]),
                ("wagtailmedia", "media", ["add", "change", "delete"])],
}
ADMIN_ACCESS = [EDITOR, MODERATOR, SECRETARY]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the grants below need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    ContentType = apps.get_model("contenttypes", "ContentType")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (EDITOR, MODERATOR, SECRETARY, MEMBER)}
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name in ADMIN_ACCESS:
        groups[name].permissions.add(access_admin)

    root_page = Page.objects.filter(depth=1).first()
    if root_page is not None:
        page_ct = ContentType.objects.get(app_label="wagtailcore", model="page")
        for name, codenames in PAGE_PERMISSIONS.items():
            for codename in codenames:
                permission = Permission.objects.get(content_type=page_ct, codename=codename)
                GroupPagePermission.objects.get_or_create(group=groups[name], page=root_page, permission=permission)

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for name, grants in COLLECTION_PERMISSIONS.items():
            for app_label, model, actions in grants:
                for action in actions:
                    # Wagtail adds some of these ("choose_image") outside its migration state.
                    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
                    permission, _ = Permission.objects.get_or_create(
                        content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {model}"}
                    )
                    GroupCollectionPermission.objects.get_or_create(
                        group=groups[name], collection=root_collection, permission=permission
                    )

    task_ct = ContentType.objects.get_for_model(GroupApprovalTask)
    task, _ = GroupApprovalTask.objects.get_or_create(name="政治审核", defaults={"content_type": task_ct, "active": True})
    task.groups.add(groups[MODERATOR])
    workflow, _ = Workflow.objects.get_or_create(name="政治审核", defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, MODERATOR, SECRETARY, MEMBER]).delete()
    apps.get_model("wagtailcore", "Workflow").objects.filter(name="政治审核").delete()
    apps.get_model("wagtailcore", "Task").objects.filter(name="政治审核").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("media", "0001_initial"),
        ("wagtailmedia", "0005_alter_media_options"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
