from django.urls import reverse
from wagtail import hooks


@hooks.register("dangke_user_menu_items", order=100)
def admin_link(request):
    if request.user.has_perm("wagtailadmin.access_admin"):
        return [("管理后台", reverse("wagtailadmin_home"))]
    return []
