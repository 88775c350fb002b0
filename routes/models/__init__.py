from .related import LESSON_PAGE_LABEL, RelatedLesson, is_lesson_page
from .routes import RouteIndexPage, RoutePage, RouteRelatedLesson, RouteStop
from .sites import (
    DISTRICTS,
    SiteClosure,
    SiteGalleryImage,
    SiteIndexPage,
    SiteOpeningPeriod,
    SitePage,
    SiteRelatedLesson,
)

__all__ = [
    "DISTRICTS",
    "LESSON_PAGE_LABEL",
    "RelatedLesson",
    "RouteIndexPage",
    "RoutePage",
    "RouteRelatedLesson",
    "RouteStop",
    "SiteClosure",
    "SiteGalleryImage",
    "SiteIndexPage",
    "SiteOpeningPeriod",
    "SitePage",
    "SiteRelatedLesson",
    "is_lesson_page",
]
