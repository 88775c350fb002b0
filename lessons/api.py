"""Wagtail API v2 endpoints for a mobile mini-program: lessons, series, speakers.

Anonymous callers get public content only; a signed-in member also gets members-only lessons."""

from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.models import Page

from .models import LessonPage, LessonSeriesPage, Speaker
from .services.access import visible_lessons


class LessonsAPIViewSet(PagesAPIViewSet):
    model = LessonPage
    listing_default_fields = PagesAPIViewSet.listing_default_fields + [
        "date_given", "series", "episode_number", "summary", "speakers", "audience",
    ]

    def get_base_queryset(self):
        public = super().get_base_queryset()
        if not self.request.user.is_authenticated:
            return public
        members = visible_lessons(self.request.user).descendant_of(public.first() or Page.get_first_root_node())
        return public | Page.objects.filter(pk__in=members.values("pk"))

    def get_queryset(self):
        return (
            LessonPage.objects.filter(pk__in=self.get_base_queryset().values("pk"))
            .select_related("series", "recording")
            .order_by("-date_given", "-pk")
        )


class SeriesAPIViewSet(PagesAPIViewSet):
    model = LessonSeriesPage
    listing_default_fields = PagesAPIViewSet.listing_default_fields + ["intro", "cover"]

    def get_queryset(self):
        return LessonSeriesPage.objects.filter(pk__in=self.get_base_queryset().values("pk")).order_by("title")


class SpeakersAPIViewSet(BaseAPIViewSet):
    model = Speaker
    body_fields = BaseAPIViewSet.body_fields + ["name", "role", "role_label", "organisation", "bio", "photo"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "role", "role_label", "organisation"]
    name = "speakers"

    def get_queryset(self):
        return Speaker.objects.select_related("photo").order_by("name", "pk")


def endpoints():
    return [("lessons", LessonsAPIViewSet), ("series", SeriesAPIViewSet), ("speakers", SpeakersAPIViewSet)]
