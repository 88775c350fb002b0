from django import template
from wagtail.models import Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu_items(context):
    """The home page's live children marked "show in menus", with the current section flagged."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    root = site.root_page
    current = context.get("page")
    items = []
    for child in root.get_children().live().in_menu().public().specific(defer=True):
        active = bool(current and current.path.startswith(child.path))
        items.append({"title": child.title, "url": child.get_url(request), "active": active})
    return items
