"""Tiny generated clips (lavfi testsrc/sine) for the media tests, made once per session, and a real
S3 API server (moto) on a loopback port for the storage tests."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

# A small ladder for tests: a 320x180 source gets three rungs in a fraction of a second.
TEST_LADDER = [(180, 400), (144, 300), (90, 200)]


def make_clip(path: Path, *, size="320x180", seconds=3, audio=True, video=True, extra=()):
    args = ["ffmpeg", "-v", "error", "-y", "-nostdin"]
    if video:
        args += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    args += ["-t", str(seconds)]
    if video:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac"]
    args += [*extra, "file:" + str(path)]
    subprocess.run(args, check=True)
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return {
        "video": make_clip(folder / "clip.mp4", seconds=7),
        "portrait": make_clip(folder / "portrait.mp4", size="180x320", seconds=2),
        "silent": make_clip(folder / "silent.mp4", audio=False, seconds=2),
        "audio": make_clip(folder / "talk.m4a", video=False, seconds=3),
        "folder": folder,
    }


@pytest.fixture(autouse=True)
def media_folders(settings, tmp_path):
    """Each test gets its own public and private media folders, so "nothing else touched" can be
    checked and no test sees another's files."""
    settings.MEDIA_ROOT = tmp_path / "public-media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def small_ladder(settings):
    settings.MEDIA_LADDER = TEST_LADDER
    return TEST_LADDER


@pytest.fixture
def ingest(db, django_capture_on_commit_callbacks, small_ladder):
    """ingest_file with the on-commit enqueue run at once (the ImmediateBackend then transcodes)."""
    from media.services import ingest_file

    def _ingest(path, *, title="测试录音", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            recording = ingest_file(path, title=title, **kwargs)
        recording.refresh_from_db()
        return recording

    return _ingest


# --- a real S3 API on loopback (moto's server), for @pytest.mark.s3 -----------------------------

S3_REGION = "us-east-1"
S3_KEYS = {"ACCESS_KEY_ID": "dangke-test", "SECRET_ACCESS_KEY": "dangke-test-secret"}


def _missing_component(message: str):
    """In CI (DANGKE_CI=1) a missing component fails the test; on a developer's machine it skips."""
    if os.environ.get("DANGKE_CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """`moto_server` on a free loopback port for the whole session; stopped at the end."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        _missing_component("moto's S3 server is not installed: .venv/bin/pip install 'moto[server]'")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _missing_component(f"moto_server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class S3Place:
    """The buckets one test uses, and a client to look into them."""

    def __init__(self, endpoint: str, bucket: str, private_bucket: str):
        import boto3
        from botocore.config import Config

        self.endpoint = endpoint
        self.bucket = bucket
        self.private_bucket = private_bucket
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, region_name=S3_REGION,
            aws_access_key_id=S3_KEYS["ACCESS_KEY_ID"], aws_secret_access_key=S3_KEYS["SECRET_ACCESS_KEY"],
            config=Config(s3={"addressing_style": "path"}),
        )

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def head(self, bucket: str, key: str) -> dict:
        return self.client.head_object(Bucket=bucket, Key=key)

    def public_read_policy(self, extra_statements=()) -> None:
        """What production sets on the public bucket: anyone may read `recordings/*`, nothing else."""
        statements = [{
            "Sid": "PublicRenditions", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{self.bucket}/recordings/*",
        }, *extra_statements]
        self.client.put_bucket_policy(
            Bucket=self.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
        )


@pytest.fixture
def s3(moto_server, settings):
    """Fresh buckets on the moto server (a public one with production's policy, a private one),
    and MEDIA_STORAGE pointing at them."""
    suffix = uuid.uuid4().hex[:10]
    place = S3Place(moto_server, f"dangke-public-{suffix}", f"dangke-private-{suffix}")
    for bucket in (place.bucket, place.private_bucket):
        place.client.create_bucket(Bucket=bucket)
    place.public_read_policy()
    settings.MEDIA_STORAGE = {
        "BACKEND": "media.backends.s3",
        "OPTIONS": {
            "BUCKET": place.bucket, "PRIVATE_BUCKET": place.private_bucket, "PRIVATE_LOCATION": "private",
            "ENDPOINT_URL": moto_server, "REGION_NAME": S3_REGION, "ADDRESSING_STYLE": "path", **S3_KEYS,
        },
    }
    return place
