import datetime

import pytest

from lessons.factories import SpeakerFactory
from lessons.models import Audience, LessonPage, SpeakerRole
from search.registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, document_type_for_model, get_document_type

pytestmark = pytest.mark.django_db


def test_lesson_document(make_lesson, series):
    speaker = SpeakerFactory(name="钱红", role=SpeakerRole.MODEL)
    lesson = make_lesson(title="港口的故事", speakers=[speaker], series=series, episode_number=1,
                         date_given=datetime.date(2024, 4, 1), tags=["党史"],
                         transcript="[00:00] 开场\n[01:30] 讲到码头")
    doc = get_document_type("lesson").build(lesson)
    assert doc.doc_type == "lesson" and doc.pk == lesson.pk and doc.url == lesson.url
    assert [(c.start, c.text) for c in doc.transcript] == [(0, "开场"), (90, "讲到码头")]
    assert doc.facets == {"series": [series.title], "speaker_role": ["先进典型"], "topic": ["党史"], "year": ["2024"]}
    assert doc.audience == AUDIENCE_PUBLIC
    assert doc.suggest == ["港口的故事", "钱红"]
    assert "钱红" in doc.fields["speakers"]
    assert document_type_for_model(LessonPage).name == "lesson"


def test_members_only_lesson_is_marked_for_members(make_lesson):
    lesson = make_lesson(audience=Audience.MEMBERS)
    assert get_document_type("lesson").build(lesson).audience == AUDIENCE_MEMBERS


def test_group_or_password_restricted_lessons_stay_out_of_the_index(make_lesson, series):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    # The index knows only public and members: a narrower restriction must not reach every member.
    lesson = make_lesson()
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name="编辑"))
    assert get_document_type("lesson").build(lesson) is None
    PageViewRestriction.objects.create(page=series, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert get_document_type("series").build(series) is None


def test_drafts_and_unpublished_lessons_leave_the_index(make_lesson):
    lesson = make_lesson()
    lesson.unpublish()
    assert get_document_type("lesson").build(lesson) is None


def test_series_document(series):
    doc = get_document_type("series").build(series)
    assert doc.title == "党课开讲啦·月讲悦听" and doc.audience == AUDIENCE_PUBLIC
    assert series in list(get_document_type("series").queryset())


def test_speaker_names_join_the_dictionary(make_lesson):
    SpeakerFactory(name="欧阳明")
    assert "欧阳明" in list(get_document_type("lesson").dictionary_terms())


def test_renaming_a_speaker_indexes_their_lessons_again(make_lesson, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    from search import services

    speaker = SpeakerFactory(name="钱红")
    lesson = make_lesson(title="港口的故事", speakers=[speaker])
    with django_capture_on_commit_callbacks(execute=True):
        speaker.name = "钱红梅"
        speaker.save()
    hits = services.search("钱红梅", user=AnonymousUser(), types=["lesson"]).hits
    assert [hit.title for hit in hits] == [lesson.title]


def test_a_draft_of_a_series_changes_no_lesson(make_lesson, series, django_capture_on_commit_callbacks):
    from search.tasks import update_index_for_dependents

    make_lesson(title="港口的故事", series=series)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        series.title = "新系列名"
        series.save_revision()
    assert not any(getattr(c, "func", None) == update_index_for_dependents.enqueue for c in callbacks)


def test_lesson_body_text_comes_from_every_block_of_the_body(make_lesson, home_page):
    import json

    body = json.dumps([
        {"type": "heading", "value": {"text": "第一部分", "level": "h2"}},
        {"type": "paragraph", "value": "<p>讲述<b>港口工人</b>的斗争</p>"},
        {"type": "quote", "value": {"text": "星星之火，可以燎原", "attribution": "毛泽东"}},
        {"type": "route_link", "value": {"page": home_page.pk, "text": "旅顺口岸红色记忆"}},
    ])
    lesson = make_lesson(title="港口的故事", body=body)
    text = get_document_type("lesson").build(lesson).body
    for part in ("第一部分", "港口工人", "的斗争", "星星之火，可以燎原", "毛泽东", "旅顺口岸红色记忆"):
        assert part in text
    assert "<b>" not in text and "<p>" not in text


def test_a_new_block_type_is_searchable_without_naming_it(make_lesson, monkeypatch):
    from wagtail import blocks

    from lessons.models import LessonPage

    stream_block = LessonPage._meta.get_field("body").stream_block
    extra = blocks.CharBlock()
    extra.set_name("notice")
    monkeypatch.setitem(stream_block.child_blocks, "notice", extra)
    lesson = make_lesson(title="新块", body=[("notice", "新增的通知块文字")])
    assert "新增的通知块文字" in get_document_type("lesson").build(lesson).body
