"""Where recording files live on disk.

Originals and upload staging sit under PRIVATE_MEDIA_ROOT, which no URL maps to. Renditions of
public recordings go under MEDIA_ROOT/recordings, those of members-only recordings under
PRIVATE_MEDIA_ROOT/recordings; set_members_only moves the folder between the two.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class OriginalsStorage(FileSystemStorage):
    """Uploaded originals: never under MEDIA_ROOT, so no URL reaches them."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "originals")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Originals have no public URL; use Recording.url (an admin-only view).")


originals_storage = OriginalsStorage()


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def public_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def staging_dir() -> Path:
    path = private_root() / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def work_dir() -> Path:
    path = private_root() / "work"
    path.mkdir(parents=True, exist_ok=True)
    return path


def renditions_base(members_only: bool) -> Path:
    return (private_root() if members_only else public_root()) / "recordings"


def move_tree_atomically(source: Path, target: Path) -> None:
    """Put a finished folder in place in one step: a reader sees the old state or the new one.

    A rename is atomic within one filesystem; across filesystems the tree is copied beside the
    target first and renamed there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
        return
    except OSError as exc:
        if exc.errno != 18:  # EXDEV: different filesystems
            raise
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial)
    os.rename(partial, target)
    shutil.rmtree(source, ignore_errors=True)
