"""A heritage site and the lessons about it link each other: the site page lists 相关党课 (chosen by the
editor), and each of those lessons lists the site under 相关红色基地."""

import datetime
import io

import pytest
from django.core.management import call_command

from lessons.factories import LessonIndexPageFactory, LessonPageFactory
from routes.models import SitePage, SiteRelatedLesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(home_page):
    index = LessonIndexPageFactory(parent=home_page)
    lesson = LessonPageFactory(
        parent=index, title="关向应：从大连走出的革命家", date_given=datetime.date(2025, 2, 14)
    )
    lesson.save_revision().publish()
    return lesson


def test_site_and_lesson_link_each_other(client, make_site, lesson):
    site = make_site("关向应纪念馆", 39.0869, 121.7569)
    site.related_lessons.add(SiteRelatedLesson(lesson=lesson))
    site.save_revision().publish()
    site_html = client.get(site.url).content.decode()
    assert "相关党课" in site_html and f'href="{lesson.url}"' in site_html
    lesson_html = client.get(lesson.url).content.decode()
    assert "相关红色基地" in lesson_html and f'href="{site.url}">关向应纪念馆</a>' in lesson_html


def test_an_unpublished_site_is_not_linked(client, make_site, lesson):
    site = make_site("草稿基地", 39.0, 121.7)
    site.related_lessons.add(SiteRelatedLesson(lesson=lesson))
    site.save_revision().publish()
    site.unpublish()
    assert "相关红色基地" not in client.get(lesson.url).content.decode()


def test_demo_links_guan_xiangying_memorial_and_its_lesson(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent: one link, not two
    site = SitePage.objects.get(slug="guan-xiangying-memorial")
    assert site.related_lessons.count() == 1
    lesson = site.related_lessons.get().lesson.specific
    assert "关向应" in lesson.title
    assert f'href="{site.url}">关向应纪念馆</a>' in client.get(lesson.url).content.decode()
    assert f'href="{lesson.url}"' in client.get(site.url).content.decode()
