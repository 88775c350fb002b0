"""Meeting photos: a smaller JPEG for the session page, so a phone does not fetch a 12-megapixel
original for each photo of a meeting (the original stays one click away)."""

from __future__ import annotations

import io
import logging
import posixpath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from media.storage import originals_storage

from ..models import SessionPhoto

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 800
THUMBNAIL_QUALITY = 82
SWEEP_BATCH = 200


def thumbnail_name(photo_name: str) -> str:
    return f"{posixpath.splitext(photo_name)[0]}.small.jpg"


def make_thumbnail(photo_pk: int) -> str:
    """Write the photo's thumbnail (at most THUMBNAIL_WIDTH wide, turned upright as the camera held
    it) and record its name. A file Pillow cannot read again is its own thumbnail, so the sweep does
    not try it forever. Returns the thumbnail's name ("" when the photo is gone)."""
    photo = SessionPhoto.objects.filter(pk=photo_pk).first()
    if photo is None or not photo.file.name or photo.has_fresh_thumbnail:
        return photo.thumbnail if photo else ""
    name = photo.file.name
    try:
        with originals_storage.open(name, "rb") as source, Image.open(source) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        logger.warning("meeting photo %s: no thumbnail (%s)", photo_pk, exc)
        saved = name
    else:
        target = thumbnail_name(name)
        if originals_storage.exists(target):
            originals_storage.delete(target)
        saved = originals_storage.save(target, ContentFile(buffer.getvalue()))
    old = photo.thumbnail
    # Only if the photo still has the file the thumbnail was made from.
    if not SessionPhoto.objects.filter(pk=photo_pk, file=name).update(thumbnail=saved):
        if saved != name:
            originals_storage.delete(saved)
        return ""
    if old and old not in (saved, name) and old.startswith("branch-photos/"):
        originals_storage.delete(old)
    return saved


def photos_without_thumbnail() -> list[int]:
    """Photos from before thumbnails, or whose task was lost (a queue that went away)."""
    return list(SessionPhoto.objects.filter(thumbnail="").order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
