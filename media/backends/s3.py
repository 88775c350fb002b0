"""Files on S3-compatible object storage (django-storages + boto3).

Layout (MEDIA_STORAGE["OPTIONS"]):
- public location: `BUCKET` under `recordings/<pk>/<key>/…`; the bucket policy lets anyone read
  `recordings/*` (and a CDN may front it: `CUSTOM_DOMAIN`). Objects carry their Content-Type and a
  short `Cache-Control` (MEDIA_PUBLIC_MAX_AGE), because a public recording can become members-only.
- private location: `PRIVATE_BUCKET` (default: the same bucket) under `PRIVATE_LOCATION`
  (default `private/`): `originals/…` and `recordings/<pk>/<key>/…`. No policy opens it; files
  leave it only through short-lived signed URLs that the checking view hands out.

Playlists of files in the private location are served by the checking view itself, with every
segment URI inside rewritten to a signed URL: a signed playlist URL alone would not do, because the
player resolves the playlist's relative segment names against it and loses the signature.
"""

from __future__ import annotations

import logging
import posixpath
from contextlib import contextmanager
from pathlib import Path

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from storages.backends.s3 import S3Storage

from ..serving import content_type_for, rewrite_playlist
from .base import BaseStorageBackend, RenditionUploadFailed

logger = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
CONNECTION_OPTIONS = {
    "ENDPOINT_URL": "endpoint_url",
    "ACCESS_KEY_ID": "access_key",
    "SECRET_ACCESS_KEY": "secret_key",
    "REGION_NAME": "region_name",
    "ADDRESSING_STYLE": "addressing_style",
    "SIGNATURE_VERSION": "signature_version",
}
S3_ERRORS = (Boto3Error, BotoCoreError, ClientError, OSError)


class RenditionS3Storage(S3Storage):
    """Rendition files: the MIME type the players need and the cache lifetime of their location,
    set on every object when it is written."""

    def __init__(self, *, public: bool, **options):
        super().__init__(**options)
        self.public = public

    def write_parameters(self, name: str) -> dict:
        cache_control = (
            f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}" if self.public else "private, max-age=3600"
        )
        return {"ContentType": content_type_for(Path(name)), "CacheControl": cache_control}

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), **self.write_parameters(name)}


class OriginalsS3Storage(S3Storage):
    """Uploaded originals in the private location; their URLs are signed, and only the editors'
    view hands them out."""


class S3Backend(BaseStorageBackend):
    def __init__(self, **options):
        super().__init__(**options)
        bucket = options["BUCKET"]
        private_bucket = options.get("PRIVATE_BUCKET") or bucket
        private_location = (options.get("PRIVATE_LOCATION") or "private").strip("/")
        connection = {
            attribute: options[option] for option, attribute in CONNECTION_OPTIONS.items() if options.get(option)
        }
        # Signature version 4: what every region and S3-compatible service accepts for signed URLs.
        connection.setdefault("signature_version", "s3v4")
        common = {"default_acl": None, "file_overwrite": True, **connection}
        self.public = RenditionS3Storage(
            public=True, bucket_name=bucket, location="recordings", querystring_auth=False,
            custom_domain=options.get("CUSTOM_DOMAIN") or None,
            url_protocol=options.get("URL_PROTOCOL") or "https:", **common,
        )
        self.private = RenditionS3Storage(
            public=False, bucket_name=private_bucket, location=f"{private_location}/recordings",
            querystring_auth=True, custom_domain=None, **common,
        )
        self._originals = OriginalsS3Storage(
            bucket_name=private_bucket, location=f"{private_location}/originals", querystring_auth=True,
            custom_domain=None, **{**common, "file_overwrite": False},
        )

    # --- helpers ------------------------------------------------------------------------------

    def _storage(self, private: bool) -> RenditionS3Storage:
        return self.private if private else self.public

    @staticmethod
    def _client(storage: S3Storage):
        return storage.connection.meta.client

    @staticmethod
    def _key(storage: S3Storage, name: str) -> str:
        return storage._normalize_name(name)

    def _prefix(self, storage, pk, key=None) -> str:
        return self._key(storage, f"{pk}/{key}" if key else str(pk)) + "/"

    def _list(self, storage, prefix: str) -> list[str]:
        paginator = self._client(storage).get_paginator("list_objects_v2")
        keys = []
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def _delete_prefix(self, storage, prefix: str) -> None:
        keys = self._list(storage, prefix)
        client = self._client(storage)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start:start + 1000]]
            client.delete_objects(Bucket=storage.bucket_name, Delete={"Objects": batch, "Quiet": True})

    # --- originals ----------------------------------------------------------------------------

    @property
    def originals(self):
        return self._originals

    def store_original(self, local_path, name):
        storage = self._originals
        # upload_file sends large files in parallel multipart chunks.
        self._client(storage).upload_file(
            str(local_path), storage.bucket_name, self._key(storage, name),
            ExtraArgs={"ContentType": content_type_for(Path(name))},
        )
        Path(local_path).unlink(missing_ok=True)

    @contextmanager
    def local_original(self, name, work_folder):
        storage = self._originals
        work_folder = Path(work_folder)
        work_folder.mkdir(parents=True, exist_ok=True)
        local = work_folder / ("source" + Path(name).suffix.lower()[:10])
        self._client(storage).download_file(storage.bucket_name, self._key(storage, name), str(local))
        try:
            yield local
        finally:
            local.unlink(missing_ok=True)

    # --- renditions ---------------------------------------------------------------------------

    def publish_folder(self, local_dir, pk, key, *, private):
        storage = self._storage(private)
        client = self._client(storage)
        local_dir = Path(local_dir)
        try:
            for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
                name = path.relative_to(local_dir).as_posix()
                client.upload_file(
                    str(path), storage.bucket_name, self._key(storage, f"{pk}/{key}/{name}"),
                    ExtraArgs=storage.write_parameters(name),
                )
        except S3_ERRORS as exc:
            self._remove_quietly(storage, self._prefix(storage, pk, key))
            raise RenditionUploadFailed(str(exc)) from exc

    def _remove_quietly(self, storage, prefix):
        try:
            self._delete_prefix(storage, prefix)
        except S3_ERRORS:
            logger.exception("could not remove the leftovers under %s", prefix)

    def move_folder(self, pk, key, *, private, new_key, to_private):
        source, target = self._storage(private), self._storage(to_private)
        source_prefix = self._prefix(source, pk, key)
        client = self._client(target)
        try:
            for object_key in self._list(source, source_prefix):
                name = object_key[len(source_prefix):]
                # A server-side copy (multipart for large objects) with the target's headers.
                client.copy(
                    {"Bucket": source.bucket_name, "Key": object_key}, target.bucket_name,
                    self._key(target, f"{pk}/{new_key}/{name}"),
                    ExtraArgs={"MetadataDirective": "REPLACE", **target.write_parameters(name)},
                )
        except S3_ERRORS:
            self._remove_quietly(target, self._prefix(target, pk, new_key))
            raise

    def remove_folder(self, pk, key, *, private):
        storage = self._storage(private)
        self._delete_prefix(storage, self._prefix(storage, pk, key))

    def remove_recording(self, pk):
        for storage in (self.public, self.private):
            self._delete_prefix(storage, self._prefix(storage, pk))

    def folder_exists(self, pk, key, *, private):
        storage = self._storage(private)
        page = self._client(storage).list_objects_v2(
            Bucket=storage.bucket_name, Prefix=self._prefix(storage, pk, key), MaxKeys=1
        )
        return bool(page.get("Contents"))

    def read_text(self, pk, key, name, *, private):
        storage = self._storage(private)
        try:
            body = self._client(storage).get_object(
                Bucket=storage.bucket_name, Key=self._key(storage, f"{pk}/{key}/{name}")
            )["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise Http404("文件不存在") from exc
            raise
        return body.decode("utf-8")

    def public_url(self, pk, key, name):
        return self.public.url(f"{pk}/{key}/{name}")

    def signed_url(self, pk, key, name, *, private, lifetime: int) -> str:
        return self._storage(private).url(f"{pk}/{key}/{name}", expire=lifetime) if private else (
            self.public_url(pk, key, name)
        )

    def serve(self, request, pk, key, name, *, private, members_only, lifetime):
        if name.endswith(".m3u8") and (private or members_only):
            text = self.read_text(pk, key, name, private=private)
            folder = posixpath.dirname(name)
            signed: dict[str, str] = {}

            def segment_url(uri: str) -> str:
                if uri not in signed:
                    target = posixpath.normpath(posixpath.join(folder, uri))
                    signed[uri] = self.signed_url(pk, key, target, private=private, lifetime=lifetime)
                return signed[uri]

            response = HttpResponse(rewrite_playlist(text, segment_url), content_type=PLAYLIST_TYPE)
            response["Cache-Control"] = "private, no-store"  # it holds signed URLs
        else:
            response = HttpResponseRedirect(self.signed_url(pk, key, name, private=private, lifetime=lifetime))
            response["Cache-Control"] = "private, no-store" if (private or members_only) else (
                f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}"
            )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def original_response(self, request, name, download_name, *, inline=False):
        from urllib.parse import quote

        disposition = "inline" if inline else "attachment"
        url = self._originals.url(
            name, parameters={"ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(download_name)}"},
            expire=settings.MEDIA_SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response


StorageBackend = S3Backend
