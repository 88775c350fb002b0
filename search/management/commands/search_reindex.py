from django.core.management.base import BaseCommand, CommandError

from search import services
from search.backends import get_search_backend


class Command(BaseCommand):
    help = "重建搜索索引。Elasticsearch：建新索引后原子切换别名；--copy 用服务端 _reindex 从当前索引复制。"

    def add_arguments(self, parser):
        parser.add_argument("--copy", action="store_true", help="copy the current index server-side (Elasticsearch only)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, copy=False, no_progress=False, **options):
        backend = get_search_backend()
        if copy:
            if not hasattr(backend, "copy_index"):
                raise CommandError(f"{backend.name} 后端不支持 --copy")
            index = backend.copy_index()
            self.stdout.write(self.style.SUCCESS(f"已复制到 {index} 并切换别名"))
            return
        count = services.rebuild_index(progress=not no_progress)
        self.stdout.write(self.style.SUCCESS(f"已重建 {backend.name} 索引：{count} 篇"))
