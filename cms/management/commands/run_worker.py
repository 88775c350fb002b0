from django.core.management.base import BaseCommand

from cms.worker import run_worker


class Command(BaseCommand):
    help = "运行后台任务进程（数据库队列或 Redis/RQ 队列，由 TASKS 设置决定），并定时上报心跳。"

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument("--queue", action="append", dest="queues", help="只处理这些队列（可重复）")

    def handle(self, *args, burst=False, queues=None, **options):
        run_worker(burst=burst, queues=queues)
