from .services import user_menu_items
from .views import TEXT_SIZE_COOKIE


def site_shell(request):
    return {
        "large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large",
        "user_menu_items": user_menu_items(request) if request.user.is_authenticated else [],
    }
