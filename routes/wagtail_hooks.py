from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks

from .api import RoutePagesAPIViewSet, SitePagesAPIViewSet

HOME_ROUTE_COUNT = 4


@hooks.register("dangke_home_sections", order=20)
def home_routes_section(request):
    from .models import RouteIndexPage, RoutePage
    from .services.listing import route_cards

    index = RouteIndexPage.objects.live().public().first()
    routes = RoutePage.objects.live().public().order_by("path")
    total = routes.count()
    if index is None or not total:
        return None
    return {
        "template": "routes/sections/home_routes.html",
        "context": {
            "cards": route_cards(routes[:HOME_ROUTE_COUNT]),
            "total": total,
            "index_url": index.get_url(request),
        },
    }


@hooks.register("dangke_demo_content", order=20)
def load_demo_routes(*, home_page, stdout):
    from .demo import load_demo_routes

    load_demo_routes(home_page=home_page, stdout=stdout)


@hooks.register("dangke_demo_content", order=35)
def link_demo_sites_to_lessons(*, home_page, stdout):
    """After the lessons demo (order 30): the sites the demo lessons are about link them."""
    from .demo import link_demo_lessons

    link_demo_lessons(stdout=stdout)


@hooks.register("dangke_lesson_places")
def lesson_places(lesson, request):
    from .services.pages import sites_about_lesson

    return sites_about_lesson(lesson, request)


@hooks.register("dangke_api_endpoints")
def api_endpoints():
    return [("routes", RoutePagesAPIViewSet), ("sites", SitePagesAPIViewSet)]


@hooks.register("before_delete_page")
def refuse_deleting_sites_in_routes(request, page):
    """A route's stops protect their sites: say which routes use the site instead of a server error."""
    from .services.pages import routes_using_sites_under

    titles = routes_using_sites_under(page)
    if not titles:
        return None
    messages.error(
        request,
        f"“{page.title}”仍是这些红色线路的站点：{'、'.join(titles)}。请先从线路中移除该站点，再删除。",
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_sites_in_routes(request, action_type, objects, action_class_instance):
    from wagtail.models import Page

    from .services.pages import routes_using_sites_under

    if action_type != "delete":
        return None
    blocked = []
    for page in objects:
        if isinstance(page, Page) and routes_using_sites_under(page):
            blocked.append(page.title)
    if not blocked:
        return None
    messages.error(
        request,
        f"这些页面仍是红色线路的站点（或包含这样的站点），未删除：{'、'.join(blocked)}。请先从线路中移除。",
    )
    return redirect("wagtailadmin_explore", objects[0].get_parent().pk)
