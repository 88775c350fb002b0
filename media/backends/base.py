"""Where a recording's files live: the interface every storage backend implements.

The pipeline never asks "is this S3?": it stores an original, gets a local copy of it to transcode,
publishes a finished rendition folder, moves a folder between the public and the private location
(with a new key, so old URLs die), removes folders, and asks for URLs or a response for one file.

A rendition folder is named by (recording pk, rendition key) in one of two locations: public (its
files may be fetched without the site in the way: a web server, a bucket, a CDN) or private (only
after the checking view has said yes). Names inside a folder are relative ("hls/v720/media.m4s").
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse


class RenditionUploadFailed(Exception):
    """A finished rendition could not be stored; whatever was stored of it has been removed."""


class BaseStorageBackend:
    def __init__(self, **options):
        self.options = options

    # --- originals ----------------------------------------------------------------------------

    @property
    def originals(self) -> Storage:
        """The Django storage behind Recording.file (private: no URL reaches it)."""
        raise NotImplementedError

    def store_original(self, local_path: Path, name: str) -> None:
        """Make a finished local file (a tus upload) the original called `name`; the local file is
        gone afterwards. Raises on failure and then leaves the local file where it was."""
        raise NotImplementedError

    def local_original(self, name: str, work_folder: Path) -> AbstractContextManager[Path]:
        """A context manager giving a local path to the original, for ffprobe and ffmpeg. A copy,
        if one is needed, goes into work_folder (the job's own folder, removed by the job)."""
        raise NotImplementedError

    # --- renditions ---------------------------------------------------------------------------

    def publish_folder(self, local_dir: Path, pk: int, key: str, *, private: bool) -> None:
        """Store a finished rendition folder as (pk, key). All or nothing: on failure whatever was
        stored is removed and RenditionUploadFailed is raised; the local folder is the caller's."""
        raise NotImplementedError

    def move_folder(self, pk: int, key: str, *, private: bool, new_key: str, to_private: bool) -> None:
        """Put the folder (pk, key) of one location at (pk, new_key) in the other. The old folder may
        stay until remove_folder is called (a copy), or be gone already (a rename)."""
        raise NotImplementedError

    def remove_folder(self, pk: int, key: str, *, private: bool) -> None:
        raise NotImplementedError

    def remove_recording(self, pk: int) -> None:
        """Every rendition folder of the recording, in both locations."""
        raise NotImplementedError

    def folder_exists(self, pk: int, key: str, *, private: bool) -> bool:
        raise NotImplementedError

    def read_text(self, pk: int, key: str, name: str, *, private: bool) -> str:
        raise NotImplementedError

    def public_url(self, pk: int, key: str, name: str) -> str | None:
        """The direct URL of a file in the public location, or None when files go through the
        checking view (then the view serves them)."""
        raise NotImplementedError

    def serve(
        self, request: HttpRequest, pk: int, key: str, name: str, *, private: bool, members_only: bool,
        lifetime: int,
    ) -> HttpResponse:
        """The response for one file, after the view has checked access. `private` says where the
        files are, `members_only` who may have them (the two differ while a switch is on its way);
        `lifetime` is how long a signed URL handed out here must work (seconds)."""
        raise NotImplementedError

    def original_response(
        self, request: HttpRequest, name: str, download_name: str, *, inline: bool = False
    ) -> HttpResponse:
        """A file of the originals' storage (an editor's original, a branch's meeting photo), after
        the view has checked access: a download, or shown in the page when `inline`."""
        raise NotImplementedError
