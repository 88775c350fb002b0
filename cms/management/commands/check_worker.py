import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from cms.tasks import worker_probe


class Command(BaseCommand):
    help = "向任务队列发送一个探测任务并等待结果，检查后台任务进程是否在工作。"

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout, **options):
        token = uuid.uuid4().hex
        result = worker_probe.enqueue(token)
        deadline = time.monotonic() + timeout
        while result.status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            if time.monotonic() > deadline:
                raise CommandError(
                    f"{timeout:.0f} 秒内没有任务进程处理探测任务（{result.id}）。请运行 manage.py run_worker。"
                )
            time.sleep(0.5)
            result.refresh()
        if result.status == TaskResultStatus.FAILED or result.return_value.get("token") != token:
            raise CommandError(f"探测任务失败：{result.errors}")
        self.stdout.write(
            self.style.SUCCESS(
                f"任务进程正常：{result.return_value['hostname']} pid {result.return_value['pid']}"
            )
        )
