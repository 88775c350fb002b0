"""Files on the local disk (the default, one machine or a shared filesystem).

Originals under PRIVATE_MEDIA_ROOT/originals, which no URL maps to. Renditions of the public
location under MEDIA_ROOT/recordings (a web server may serve them straight:
MEDIA_PUBLIC_RENDITIONS_DIRECT), of the private one under PRIVATE_MEDIA_ROOT/recordings. Folders are
moved by rename, so a reader sees the old state or the new one.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.utils.deconstruct import deconstructible

from ..serving import serve_file
from ..storage import move_tree_atomically
from .base import BaseStorageBackend, RenditionUploadFailed


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """Originals: never under MEDIA_ROOT, so no URL reaches them. The folder follows the setting."""

    def __init__(self, folder: str = "originals"):
        super().__init__()
        self.folder = folder

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / self.folder)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Originals have no public URL; use Recording.url (an admin-only view).")


class FileSystemBackend(BaseStorageBackend):
    def __init__(self, **options):
        super().__init__(**options)
        self._originals = PrivateFileSystemStorage()

    @property
    def originals(self):
        return self._originals

    def store_original(self, local_path, name):
        target = Path(self._originals.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(local_path, target)  # moved, not copied: it can be gigabytes

    @contextmanager
    def local_original(self, name, work_folder):
        yield Path(self._originals.path(name))

    def folder(self, pk: int, key: str, *, private: bool) -> Path:
        root = settings.PRIVATE_MEDIA_ROOT if private else settings.MEDIA_ROOT
        return Path(root) / "recordings" / str(pk) / key

    def publish_folder(self, local_dir, pk, key, *, private):
        try:
            move_tree_atomically(Path(local_dir), self.folder(pk, key, private=private))
        except OSError as exc:
            shutil.rmtree(self.folder(pk, key, private=private), ignore_errors=True)
            raise RenditionUploadFailed(str(exc)) from exc

    def move_folder(self, pk, key, *, private, new_key, to_private):
        move_tree_atomically(self.folder(pk, key, private=private), self.folder(pk, new_key, private=to_private))

    def remove_folder(self, pk, key, *, private):
        shutil.rmtree(self.folder(pk, key, private=private), ignore_errors=True)

    def remove_recording(self, pk):
        for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
            shutil.rmtree(Path(root) / "recordings" / str(pk), ignore_errors=True)

    def folder_exists(self, pk, key, *, private):
        return self.folder(pk, key, private=private).is_dir()

    def _file(self, pk, key, name, *, private) -> Path:
        base = self.folder(pk, key, private=private).resolve()
        path = (base / name).resolve()
        if base not in path.parents or not path.is_file():
            raise Http404("文件不存在")
        return path

    def read_text(self, pk, key, name, *, private):
        return self._file(pk, key, name, private=private).read_text(encoding="utf-8")

    def public_url(self, pk, key, name):
        if settings.MEDIA_PUBLIC_RENDITIONS_DIRECT:
            return f"{settings.MEDIA_URL}recordings/{pk}/{key}/{name}"
        return None

    def serve(self, request, pk, key, name, *, private, members_only, lifetime):
        path = self._file(pk, key, name, private=private)
        return serve_file(request, path, private=members_only or private)

    def original_response(self, request, name, download_name, *, inline=False):
        path = Path(self._originals.path(name))
        if not path.is_file():
            raise Http404("原始文件不存在")
        return serve_file(request, path, private=True, download_name=None if inline else download_name)


StorageBackend = FileSystemBackend
