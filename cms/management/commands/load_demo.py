from django.core.management.base import BaseCommand

from cms.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "载入演示内容（站点结构、各角色演示账号及各应用的演示数据）。可重复运行，不会产生重复内容。"

    def handle(self, *args, **options):
        load_demo(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示内容已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.description}")
