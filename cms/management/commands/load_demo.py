from django.core.management.base import BaseCommand

from cms.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "载入演示内容（站点结构、各角色演示账号及各应用的演示数据）。可重复运行，不会产生重复内容。"

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        if verbosity >= 1:
            self.stdout.write("正在载入演示内容（首次运行要生成演示录像，约需一分钟）……")
            self.stdout.flush()
        load_demo(self.stdout, verbosity=verbosity)
        # The accounts come last, after every loader's and every page's line: what a newcomer needs
        # next is on screen when the command ends.
        self.stdout.write(self.style.SUCCESS(f"演示内容已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.description}")
        self.stdout.flush()
