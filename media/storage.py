"""Local folders of the pipeline, and the storage behind Recording.file.

Upload staging (tus) and the transcode work area are always on the local disk of the machine
doing the work, under PRIVATE_MEDIA_ROOT, which no URL maps to. Where originals and renditions end
up is the storage backend's business (media.backends: the local disk or S3-compatible storage).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible


@deconstructible
class OriginalsStorage(Storage):
    """Recording.file's storage: whatever the configured backend keeps originals in. A proxy, so
    the model field (and its migration) stays the same whichever backend MEDIA_STORAGE names."""

    @property
    def target(self) -> Storage:
        from .backends import get_storage_backend

        return get_storage_backend().originals

    def save(self, name, content, max_length=None):
        return self.target.save(name, content, max_length=max_length)

    def open(self, name, mode="rb"):
        return self.target.open(name, mode)

    def delete(self, name):
        return self.target.delete(name)

    def exists(self, name):
        return self.target.exists(name)

    def size(self, name):
        return self.target.size(name)

    def url(self, name):
        return self.target.url(name)

    def path(self, name):
        return self.target.path(name)

    def listdir(self, path):
        return self.target.listdir(path)

    def generate_filename(self, filename):
        return self.target.generate_filename(filename)

    def get_valid_name(self, name):
        return self.target.get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return self.target.get_available_name(name, max_length=max_length)

    def get_modified_time(self, name):
        return self.target.get_modified_time(name)

    def get_created_time(self, name):
        return self.target.get_created_time(name)

    def get_accessed_time(self, name):
        return self.target.get_accessed_time(name)


originals_storage = OriginalsStorage()


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def staging_dir() -> Path:
    path = private_root() / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def work_dir() -> Path:
    path = private_root() / "work"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
