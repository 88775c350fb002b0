"""Meeting photos: the library image link goes, the private file is required (0004 has moved them).
A migration of its own: on PostgreSQL a table cannot be altered in the transaction that deleted rows
it references (pending trigger events)."""

from django.db import migrations, models

import branches.models.sessions
import media.storage


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0006_private_session_photos"),
    ]

    operations = [
        migrations.RemoveField(model_name="sessionphoto", name="image"),
        migrations.AlterField(
            model_name="sessionphoto",
            name="file",
            field=models.ImageField(
                max_length=255,
                storage=media.storage.OriginalsStorage(),
                upload_to=branches.models.sessions.photo_upload_to,
                verbose_name="照片",
            ),
        ),
    ]
