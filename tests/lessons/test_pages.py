import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from lessons.factories import (
    LessonAttachmentFactory,
    LessonCaptionFactory,
    LessonChapterFactory,
    LessonRelatedLessonFactory,
    SpeakerFactory,
)
from lessons.models import Audience, LessonPage, SpeakerRole
from lessons.services import access, privacy
from lessons.services import progress as heartbeats

pytestmark = pytest.mark.django_db


def test_lesson_page_renders_player_chapters_transcript_and_speakers(client, make_lesson, make_recording):
    speaker = SpeakerFactory(name="王红", role=SpeakerRole.MODEL, organisation="大连港", bio="全国劳动模范")
    lesson = make_lesson(
        title="红色港湾", speakers=[speaker], recording=make_recording(duration=300),
        transcript="[00:00] 同志们好。\n[01:05] 讲讲大连港的故事。",
    )
    LessonChapterFactory(page=lesson, start=65, title="港口记忆")
    response = client.get(lesson.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-media-player" in html
    assert 'data-lesson-seek="65"' in html and "01:05" in html and "港口记忆" in html
    assert "讲讲大连港的故事。" in html
    assert "王红" in html and "先进典型" in html and "全国劳动模范" in html
    assert "继续播放" not in html  # anonymous: nothing saved


def test_resume_offer_shows_saved_position(client, member, make_lesson, make_recording):
    lesson = make_lesson(recording=make_recording(duration=600))
    heartbeats.record_heartbeat(member, lesson, position=125, ranges=[[0, 125]])
    client.force_login(member)
    html = client.get(lesson.url).content.decode()
    assert "继续播放 02:05" in html
    assert 'data-lesson-seek="125"' in html


def test_no_resume_offer_at_the_very_end(client, member, make_lesson, make_recording):
    lesson = make_lesson(recording=make_recording(duration=600))
    heartbeats.record_heartbeat(member, lesson, position=599, ranges=[[0, 599]])
    client.force_login(member)
    assert "继续播放" not in client.get(lesson.url).content.decode()


def _lesson_with(n, make_lesson, make_recording, index):
    Image = get_image_model()
    speakers = [
        SpeakerFactory(photo=Image.objects.create(title=f"照片{i}", file=get_test_image_file()))
        for i in range(n)
    ]
    lesson = make_lesson(speakers=speakers, recording=make_recording(), tags=[f"专题{i}" for i in range(n)])
    for i in range(n):
        LessonChapterFactory(page=lesson, start=i * 10, title=f"章节{i}")
        LessonAttachmentFactory(page=lesson)
        LessonCaptionFactory(page=lesson, label=f"字幕{i}")
        LessonRelatedLessonFactory(page=lesson, lesson=make_lesson(title=f"相关{index}-{i}"))
    return lesson


def _count_queries(client, url, *, cached):
    client.get(url)  # warm caches (site root paths, renditions generated on first sight)
    if not cached:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("cached", [False, True], ids=["details-rendered", "details-cached"])
def test_lesson_page_query_count_is_constant(client, member, make_lesson, make_recording, cached):
    one = _lesson_with(1, make_lesson, make_recording, "a")
    five = _lesson_with(5, make_lesson, make_recording, "b")
    client.force_login(member)
    heartbeats.record_heartbeat(member, one, position=20, ranges=[[0, 20]])
    heartbeats.record_heartbeat(member, five, position=20, ranges=[[0, 20]])
    assert _count_queries(client, one.url, cached=cached) == _count_queries(client, five.url, cached=cached)
    html = client.get(five.url).content.decode()
    assert html.count('class="speaker-card"') == 5
    assert html.count("相关b-") == 5


def test_cached_details_skip_their_queries_and_follow_new_revisions(client, make_lesson):
    lesson = make_lesson(title="缓存测试", transcript="[00:00] 第一版")
    cache.clear()
    first = _count_queries(client, lesson.url, cached=False)
    cached = _count_queries(client, lesson.url, cached=True)
    assert cached < first
    lesson.transcript = "[00:00] 第二版"
    lesson.save_revision().publish()
    assert "第二版" in client.get(lesson.url).content.decode()


def test_a_lesson_is_routed_in_one_query_with_its_recording(client, make_lesson, make_recording):
    lesson = make_lesson(recording=make_recording())
    client.get(lesson.url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(lesson.url).status_code == 200
    froms = [q["sql"].split(" FROM ", 1)[1] for q in queries if " FROM " in q["sql"]]
    assert sum(f.startswith('"lessons_lessonpage" INNER JOIN') for f in froms) == 1
    assert not any(f.startswith('"media_recording"') for f in froms)


def test_routing_below_the_index_still_serves_series_feeds_and_refuses_drafts(client, make_lesson, series):
    draft = make_lesson(title="草稿党课", live=False, publish=False)
    assert client.get(draft.url).status_code == 404
    assert client.get(series.url).status_code == 200
    assert client.get(series.url + "feed/").status_code == 200
    assert client.get(series.url.rstrip("/").rsplit("/", 1)[0] + "/no-such-lesson/").status_code == 404


def test_captions_are_cached_with_the_revision(client, make_lesson, make_recording):
    def labels():
        return [caption["label"] for caption in client.get(lesson.url).context["captions"]]

    lesson = make_lesson(recording=make_recording())
    LessonCaptionFactory(page=lesson, label="中文字幕")
    lesson.save_revision().publish()
    assert labels() == ["中文字幕"]
    with CaptureQueriesContext(connection) as queries:
        assert labels() == ["中文字幕"]
    assert not any("lessons_lessoncaption" in q["sql"] for q in queries)
    LessonCaptionFactory(page=lesson, label="英文字幕")
    lesson.save_revision().publish()
    assert labels() == ["中文字幕", "英文字幕"]


def test_transcript_is_validated_with_line_numbers(make_lesson):
    lesson = make_lesson()
    lesson.transcript = "[00:10] 第一段\n[00:05] 倒序"
    with pytest.raises(ValidationError) as excinfo:
        lesson.full_clean()
    assert "第 2 行" in str(excinfo.value)


def test_episode_numbers_are_unique_within_a_series(make_lesson, series):
    make_lesson(series=series, episode_number=1)
    other = make_lesson(series=series, episode_number=2)
    other.episode_number = 1
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    assert "episode_number" in excinfo.value.message_dict


def test_episode_number_needs_a_series(make_lesson):
    lesson = make_lesson()
    lesson.episode_number = 3
    with pytest.raises(ValidationError):
        lesson.full_clean()


def test_route_link_block_accepts_only_routes_and_sites(home_page):
    from lessons.blocks import RouteLinkBlock

    block = RouteLinkBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"page": home_page.pk, "text": ""}))


# --- members only --------------------------------------------------------------------------


def test_members_only_lesson_gets_a_login_restriction_on_publish(make_lesson):
    lesson = make_lesson(audience=Audience.MEMBERS)
    assert PageViewRestriction.objects.filter(page=lesson, restriction_type="login").count() == 1
    lesson.audience = Audience.PUBLIC
    lesson.save_revision().publish()
    assert not PageViewRestriction.objects.filter(page=lesson).exists()


def test_members_only_lesson_is_refused_to_anonymous_users(client, member, make_lesson):
    lesson = make_lesson(title="内部党课", audience=Audience.MEMBERS)
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(member)
    assert client.get(lesson.url).status_code == 200


def test_publishing_members_only_lesson_makes_its_recording_private(make_lesson, make_recording, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setattr(privacy, "set_recording_members_only", lambda recording, value: calls.append((recording.pk, value)))
    recording = make_recording()
    with django_capture_on_commit_callbacks(execute=True):
        lesson = make_lesson(audience=Audience.MEMBERS, recording=recording)
    assert calls[-1] == (recording.pk, True)
    with django_capture_on_commit_callbacks(execute=True):
        lesson.audience = Audience.PUBLIC
        lesson.save_revision().publish()
    assert calls[-1] == (recording.pk, False)


def test_privacy_set_in_wagtails_dialog_updates_the_recording(make_lesson, make_recording, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setattr(privacy, "set_recording_members_only", lambda recording, value: calls.append(value))
    lesson = make_lesson(recording=make_recording())
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=lesson.get_parent(), restriction_type="login")
    assert calls[-1] is True
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert calls[-1] is False


# --- index filters ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(make_lesson, series):
    leader = SpeakerFactory(name="李书记", role=SpeakerRole.LEADER)
    veteran = SpeakerFactory(name="老张", role=SpeakerRole.VETERAN)
    return {
        "a": make_lesson(title="甲课", speakers=[leader], series=series, episode_number=1,
                         date_given=datetime.date(2024, 3, 1), tags=["党史"]),
        "b": make_lesson(title="乙课", speakers=[veteran], date_given=datetime.date(2025, 5, 1), tags=["红色故事"]),
        "c": make_lesson(title="丙课", speakers=[leader, veteran], series=series, episode_number=2,
                         date_given=datetime.date(2025, 7, 1), tags=["党史", "红色故事"]),
        "secret": make_lesson(title="丁课内部", speakers=[leader], audience=Audience.MEMBERS,
                              date_given=datetime.date(2025, 8, 1)),
    }


def titles(response):
    return [lesson.title for lesson in response.context["lessons"]]


def test_index_lists_newest_first_and_hides_members_only_from_anonymous(client, lesson_index, catalogue):
    assert titles(client.get(lesson_index.url)) == ["丙课", "乙课", "甲课"]


def test_index_shows_members_only_to_members(client, member, lesson_index, catalogue):
    client.force_login(member)
    assert titles(client.get(lesson_index.url)) == ["丁课内部", "丙课", "乙课", "甲课"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"role": "veteran"}, ["丙课", "乙课"]),
        ({"topic": "党史"}, ["丙课", "甲课"]),
        ({"year": "2024"}, ["甲课"]),
        ({"role": "leader", "year": "2025"}, ["丙课"]),
        ({"role": "nonsense", "year": "abc"}, ["丙课", "乙课", "甲课"]),
    ],
)
def test_index_filters(client, lesson_index, catalogue, query, expected):
    from taggit.models import Tag

    if "topic" in query:
        query = {**query, "topic": Tag.objects.get(name=query["topic"]).slug}
    assert titles(client.get(lesson_index.url, query)) == expected


def test_index_filter_by_series(client, lesson_index, catalogue, series):
    assert titles(client.get(lesson_index.url, {"series": series.pk})) == ["丙课", "甲课"]


def test_index_paginates(client, lesson_index, make_lesson):
    for i in range(14):
        make_lesson(title=f"课{i:02d}", date_given=datetime.date(2025, 1, 1) + datetime.timedelta(days=i))
    first = client.get(lesson_index.url)
    assert len(titles(first)) == 12
    second = client.get(lesson_index.url, {"page": 2})
    assert titles(second) == ["课01", "课00"]
    assert client.get(lesson_index.url, {"page": "99"}).status_code == 200


def test_index_choices_do_not_leak_members_only_topics(client, lesson_index, make_lesson):
    make_lesson(title="内部", audience=Audience.MEMBERS, tags=["内部专题"])
    html = client.get(lesson_index.url).content.decode()
    assert "内部专题" not in html


def test_series_page_lists_episodes_in_order(client, catalogue, series):
    response = client.get(series.url)
    assert [lesson.title for lesson in response.context["episodes"]] == ["甲课", "丙课"]
    assert "feed/" in response.context["feed_url"]


def test_lesson_counts_in_visible_lessons(member, catalogue):
    assert access.visible_lessons(None).count() == 3
    assert access.visible_lessons(member).count() == 4
    assert isinstance(access.visible_lessons(member).first(), LessonPage)


def test_group_restricted_lessons_are_visible_only_to_those_groups(member, make_user, catalogue):
    restriction = PageViewRestriction.objects.create(page=catalogue["b"], restriction_type="groups")
    restriction.groups.add(*member.groups.all())
    outsider = make_user("outsider")
    assert access.visible_lessons(member).filter(pk=catalogue["b"].pk).exists()
    assert not access.visible_lessons(outsider).filter(pk=catalogue["b"].pk).exists()


def test_visible_lessons_looks_up_a_members_groups_only_for_group_restrictions(member, catalogue):
    with CaptureQueriesContext(connection) as queries:
        assert len(access.visible_lessons(member)) == 4
    assert not any("auth_user_groups" in q["sql"] for q in queries)
