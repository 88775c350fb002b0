import threading
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from media import services
from media.models import Recording
from media.probe import MediaRejected


class Command(BaseCommand):
    help = "Add a local audio or video file to the media library: probe it and queue the transcode."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to add (any name: spaces, Chinese, a leading dash)")
        parser.add_argument("--title", help="title in the library (default: the file name)")
        parser.add_argument("--members-only", action="store_true", help="serve it to signed-in members only")
        parser.add_argument(
            "--wait", action="store_true",
            help="transcode now in this process (unless a worker already took the job) and show progress",
        )

    def handle(self, *args, path, title=None, members_only=False, wait=False, **options):
        source = Path(path)
        try:
            recording = services.ingest_file(source, title=title or source.stem, members_only=members_only)
        except MediaRejected as exc:
            raise CommandError(f"拒绝导入 {source.name}：{exc.reason}") from exc
        self.stdout.write(f"已导入 #{recording.pk}“{recording.title}”，{recording.duration:.1f} 秒，已排队转码。")
        if not wait:
            return
        worker = threading.Thread(target=self._run_job, args=(recording.pk,), daemon=True)
        worker.start()
        recording = self._show_progress(recording.pk, worker)
        if recording.status == Recording.Status.FAILED:
            raise CommandError(f"转码失败：{recording.failure_reason}")
        self.stdout.write(self.style.SUCCESS(f"转码完成：{recording.hls_url or recording.audio_edition_url}"))

    def _run_job(self, pk):
        try:
            services.run_transcode_job(pk)
        finally:
            connection.close()  # this thread's own connection; nobody else will close it

    def _show_progress(self, pk, worker) -> Recording:
        finished = (Recording.Status.READY, Recording.Status.FAILED)
        with tqdm(total=100, unit="%", desc="转码", file=self.stderr._out, bar_format="{l_bar}{bar}| {n:.0f}%") as bar:
            while True:
                recording = Recording.objects.get(pk=pk)
                bar.n = recording.progress
                bar.set_postfix_str(recording.get_status_display())
                bar.refresh()
                if recording.status in finished:
                    return recording
                if not worker.is_alive() and recording.lease_token == "" and recording.status == Recording.Status.QUEUED:
                    # Someone else (a worker) holds nothing and we are done trying: run it again here.
                    worker = threading.Thread(target=self._run_job, args=(pk,), daemon=True)
                    worker.start()
                time.sleep(0.5)
