from django.urls import reverse
from wagtail import hooks


@hooks.register("dangke_user_menu_items", order=100)
def admin_link(request):
    if request.user.has_perm("wagtailadmin.access_admin"):
        return [("管理后台", reverse("wagtailadmin_home"))]
    return []


@hooks.register("dangke_periodic_jobs")
def site_shell_jobs():
    from datetime import time, timedelta

    from django.conf import settings

    from .periodic import PeriodicJob, prune_sign_in_records, publish_scheduled

    return [
        PeriodicJob(name="cms.publish_scheduled", run=publish_scheduled,
                    every=timedelta(seconds=settings.SCHEDULED_PUBLISHING_INTERVAL)),
        PeriodicJob(name="cms.prune_sign_in_records", run=prune_sign_in_records, daily_at=time(3, 30)),
    ]
