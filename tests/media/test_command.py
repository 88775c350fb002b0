"""manage.py ingest_media PATH [--title ...] [--wait]."""

import io

import pytest
from django.core.management import CommandError, call_command

from media.models import Recording

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_ingest_media_waits_with_a_progress_bar(clips, small_ladder, tmp_path):
    tricky = tmp_path / "-第 2 讲.mp4"
    tricky.write_bytes(clips["silent"].read_bytes())
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_media", str(tricky), "--title", "第二讲", "--wait", stdout=out, stderr=err)
    recording = Recording.objects.get(title="第二讲")
    assert recording.status == Recording.Status.READY
    assert "转码完成" in out.getvalue()
    assert "100%" in err.getvalue()


def test_a_rejected_file_exits_non_zero_with_the_reason(tmp_path):
    text = tmp_path / "讲稿.mp4"
    text.write_text("讲稿", encoding="utf-8")
    with pytest.raises(CommandError, match="文本文件"):
        call_command("ingest_media", str(text))
    assert not Recording.objects.exists()
