import pytest

from lessons.factories import SpeakerFactory
from lessons.models import Audience, SpeakerRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessons(make_lesson, make_recording, series):
    speaker = SpeakerFactory(name="赵书记", role=SpeakerRole.SECRETARY)
    public = make_lesson(title="公开党课", speakers=[speaker], series=series, episode_number=1,
                         recording=make_recording(duration=60), tags=["党史"])
    private = make_lesson(title="内部党课", speakers=[speaker], audience=Audience.MEMBERS)
    return public, private


def test_lessons_endpoint_lists_public_lessons_for_anonymous(client, lessons):
    public, private = lessons
    data = client.get("/api/v2/lessons/").json()
    assert [item["title"] for item in data["items"]] == ["公开党课"]
    item = data["items"][0]
    assert item["series"]["title"] == "党课开讲啦·月讲悦听"
    assert item["speakers"][0]["name"] == "赵书记"
    assert client.get(f"/api/v2/lessons/{private.pk}/").status_code == 404


def test_lessons_endpoint_detail(client, lessons):
    public, _ = lessons
    data = client.get(f"/api/v2/lessons/{public.pk}/").json()
    assert data["transcript_cues"][0] == {"start": 0, "text": "同志们好。"}
    assert data["recording"]["duration"] == 60
    assert data["tags"][0]["name"] == "党史"


def test_members_see_members_only_lessons(client, member, lessons):
    client.force_login(member)
    titles = {item["title"] for item in client.get("/api/v2/lessons/").json()["items"]}
    assert titles == {"公开党课", "内部党课"}


def test_members_only_lessons_stay_out_of_the_generic_pages_endpoint(client, lessons):
    titles = {item["title"] for item in client.get("/api/v2/pages/?type=lessons.LessonPage").json()["items"]}
    assert titles == {"公开党课"}


def test_series_and_speakers_endpoints(client, lessons, series):
    series_items = client.get("/api/v2/series/").json()["items"]
    assert [item["title"] for item in series_items] == [series.title]
    speakers = client.get("/api/v2/speakers/").json()["items"]
    assert speakers[0]["name"] == "赵书记"
    detail = client.get(f"/api/v2/speakers/{speakers[0]['id']}/").json()
    assert detail["role_label"] == "基层党组织书记"
