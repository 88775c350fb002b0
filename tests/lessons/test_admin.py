import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("boss", is_superuser=True, is_staff=True))
    return client


def test_lesson_edit_and_add_forms_render(admin_client, make_lesson, lesson_index, make_recording):
    lesson = make_lesson(recording=make_recording())
    response = admin_client.get(f"/admin/pages/{lesson.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("主讲人", "章节", "字幕（WebVTT）", "文字稿", "附件", "相关党课", "观看范围", "录像/录音"):
        assert label in html
    assert admin_client.get(f"/admin/pages/add/lessons/lessonpage/{lesson_index.pk}/").status_code == 200
    assert admin_client.get(f"/admin/pages/add/lessons/lessonseriespage/{lesson_index.pk}/").status_code == 200


def test_speaker_snippets_in_admin(admin_client):
    from lessons.factories import SpeakerFactory

    speaker = SpeakerFactory(name="吴先进")
    response = admin_client.get("/admin/snippets/lessons/speaker/")
    assert response.status_code == 200 and "吴先进" in response.content.decode()
    assert admin_client.get(f"/admin/snippets/lessons/speaker/edit/{speaker.pk}/").status_code == 200


def test_editors_may_manage_speakers(make_user):
    editor = make_user("editor2", role="编辑")
    assert editor.has_perm("lessons.add_speaker") and editor.has_perm("lessons.change_speaker")
    assert not editor.has_perm("lessons.delete_speaker")
