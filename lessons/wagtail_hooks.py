from django.urls import reverse
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Speaker


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = "主讲人"
    add_to_admin_menu = True
    menu_order = 210
    list_display = ["name", "role", "organisation"]
    list_filter = ["role"]
    search_fields = ["name", "organisation"]


register_snippet(SpeakerViewSet)


@hooks.register("dangke_home_sections", order=10)
def lessons_home_section(request):
    from .services.home import home_section_context

    context = home_section_context(request)
    if context is None:
        return None
    return {"template": "lessons/home_section.html", "context": context}


@hooks.register("dangke_user_menu_items", order=10)
def study_record_link(request):
    return [("我的学习", reverse("lessons:my_learning"))]


@hooks.register("dangke_api_endpoints")
def lesson_api_endpoints():
    from .api import endpoints

    return endpoints()


@hooks.register("dangke_demo_content", order=30)
def lessons_demo_content(*, home_page, stdout):
    from .demo import load_demo_lessons

    load_demo_lessons(home_page=home_page, stdout=stdout)
