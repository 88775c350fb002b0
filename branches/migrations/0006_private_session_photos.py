"""Meeting photos leave the Wagtail image library (root collection, public original_images/) for
private storage: each photo's file is copied into SessionPhoto.file (with the recordings' originals,
where no URL reaches) and the library image, with its renditions and their public files, is
deleted unless something other than meeting photos uses it."""

import django.db.models.deletion
from django.core.files.base import ContentFile
from django.db import migrations, models

import branches.models.sessions
import media.storage


def photos_out_of_the_library(apps, schema_editor):
    SessionPhoto = apps.get_model("branches", "SessionPhoto")
    Image = apps.get_model("wagtailimages", "Image")
    Rendition = apps.get_model("wagtailimages", "Rendition")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    photo_types = ContentType.objects.filter(app_label="branches", model__in=["session", "sessionphoto"])
    image_ids = set()
    for photo in SessionPhoto.objects.select_related("image", "session").iterator():
        image = photo.image
        try:
            with image.file.open("rb") as handle:
                content = handle.read()
        except (FileNotFoundError, OSError, ValueError):
            continue  # the file is gone already; the photo row goes with the image below
        photo.file.save(image.file.name.rsplit("/", 1)[-1], ContentFile(content), save=False)
        photo.image = None  # so that deleting the library image below does not take the photo along
        photo.save(update_fields=["file", "image"])
        image_ids.add(image.pk)
    image_type = ContentType.objects.filter(app_label="wagtailimages", model="image").first()
    for image in Image.objects.filter(pk__in=image_ids):
        used_elsewhere = image_type is not None and (
            ReferenceIndex.objects.filter(to_content_type=image_type, to_object_id=str(image.pk))
            .exclude(content_type__in=photo_types)
            .exclude(base_content_type__in=photo_types)
            .exists()
        )
        if used_elsewhere:
            continue  # chosen from the library for a page too: it was public on purpose
        for rendition in Rendition.objects.filter(image=image):
            rendition.file.delete(save=False)
        Rendition.objects.filter(image=image).delete()
        image.file.delete(save=False)
        image.delete()
    # Photos whose file could not be read cannot be shown to anyone.
    SessionPhoto.objects.filter(file="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0005_assignment_permissions"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessionphoto",
            name="file",
            field=models.ImageField(
                blank=True,
                default="",
                max_length=255,
                storage=media.storage.OriginalsStorage(),
                upload_to=branches.models.sessions.photo_upload_to,
                verbose_name="照片",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="sessionphoto",
            name="image",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="wagtailimages.image",
                verbose_name="照片",
            ),
        ),
        migrations.RunPython(photos_out_of_the_library, migrations.RunPython.noop, elidable=False),
    ]
