from .services import account_menu
from .views import TEXT_SIZE_COOKIE


def site_shell(request):
    menu = account_menu(request) if request.user.is_authenticated else None
    return {
        "large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large",
        "user_menu_items": menu.items if menu else [],
        "show_userbar": bool(menu and menu.may_access_admin),
    }
