from django.db import migrations, models
from django.db.models import F


def from_updated_at(apps, schema_editor):
    # Rows written before this field existed: their last change was their last heartbeat.
    apps.get_model("lessons", "LessonProgress").objects.update(last_heartbeat_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("lessons", "0005_alter_lessonpage_transcript")]

    operations = [
        migrations.AddField(
            model_name="lessonprogress",
            name="last_heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="最近心跳时间"),
        ),
        migrations.RunPython(from_updated_at, migrations.RunPython.noop),
    ]
