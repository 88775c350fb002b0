import feedparser
import pytest

from lessons.models import Audience

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_lessons(make_lesson, series, transcoded_recording):
    public = make_lesson(
        title="第一期：红色港湾", series=series, episode_number=1, recording=transcoded_recording()
    )
    make_lesson(
        title="第二期：内部",
        series=series,
        episode_number=2,
        audience=Audience.MEMBERS,
        recording=transcoded_recording(),
    )
    make_lesson(
        title="第三期：草稿",
        series=series,
        episode_number=3,
        recording=transcoded_recording(),
        live=False,
        publish=False,
    )
    return public


def test_podcast_feed_parses_with_enclosures(client, series, feed_lessons):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    series.cover = get_image_model().objects.create(title="封面", file=get_test_image_file(size=(1400, 1400)))
    series.save_revision().publish()
    response = client.get(series.url + "feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "rss20"
    assert feed.feed.title == "党课开讲啦·月讲悦听"
    assert feed.feed.author == "中共大连市委组织部"
    assert feed.feed.image.href.startswith("http://testserver/")
    assert [entry.title for entry in feed.entries] == ["第一期：红色港湾"]
    entry = feed.entries[0]
    recording = feed_lessons.recording
    recording.refresh_from_db()
    enclosure = entry.enclosures[0]
    assert enclosure.href.endswith(recording.audio_edition_url)
    assert enclosure.type.startswith("audio/")
    assert int(enclosure.length) == recording.audio_edition_size > 0
    assert entry.itunes_duration == "00:06"
    assert entry.itunes_episode == "1"
    # The enclosure really serves the audio to an anonymous listener.
    audio = client.get(recording.audio_edition_url)
    assert audio.status_code == 200


def test_members_only_audio_is_refused_to_anonymous_listeners(
    client, member, make_lesson, series, transcoded_recording, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lesson = make_lesson(
            title="内部", series=series, audience=Audience.MEMBERS, recording=transcoded_recording()
        )
    recording = lesson.recording
    recording.refresh_from_db()
    assert recording.members_only
    url = recording.audio_edition_url
    assert client.get(url).status_code in (302, 401, 403, 404)
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_feed_of_a_members_only_series_is_refused_to_anonymous(client, series, feed_lessons):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=series, restriction_type="login")
    response = client.get(series.url + "feed/")
    assert response.status_code == 302


def test_a_series_without_a_cover_gets_the_default_itunes_image(client, series, feed_lessons, settings):
    """Podcast apps refuse a show without itunes:image; the links use the public address."""
    settings.PUBLIC_BASE_URL = "https://dangke.example.gov.cn"
    assert not series.cover_id
    feed = feedparser.parse(client.get(series.url + "feed/", HTTP_HOST="127.0.0.1:8000").content)
    assert feed.feed.image.href == "https://dangke.example.gov.cn/static/lessons/img/podcast-cover.png"
    assert feed.feed.link == f"https://dangke.example.gov.cn{series.url}"
    assert feed.entries[0].link.startswith("https://dangke.example.gov.cn/")
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("lessons/img/podcast-cover.png")) as image:
        assert image.size == (1400, 1400)  # the square Apple Podcasts asks for


def test_a_live_lessons_replay_is_an_episode_once_it_is_ready(client, series, feed_lessons, make_lesson,
                                                              transcoded_recording):
    from media.factories import LiveStreamFactory
    from media.models import LiveStream

    stream = LiveStreamFactory(title="直播")
    make_lesson(title="第四期：直播回放", series=series, episode_number=4, live_stream=stream)
    titles = [entry.title for entry in feedparser.parse(client.get(series.url + "feed/").content).entries]
    assert titles == ["第一期：红色港湾"]  # no replay yet: nothing to listen to
    replay = transcoded_recording()
    LiveStream.objects.filter(pk=stream.pk).update(status=LiveStream.Status.REPLAY_READY, recording=replay)
    feed = feedparser.parse(client.get(series.url + "feed/").content)
    assert [entry.title for entry in feed.entries] == ["第一期：红色港湾", "第四期：直播回放"]
    replay.refresh_from_db()
    assert feed.entries[1].enclosures[0].href.endswith(replay.audio_edition_url)
