"""The system check and health entry name the Debian package when ffmpeg is missing."""

from wagtail import hooks

from media.checks import check_ffmpeg


def test_no_errors_with_the_installed_ffmpeg():
    assert check_ffmpeg() == []


def test_missing_ffmpeg_is_an_error_naming_the_debian_package(settings):
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"
    errors = check_ffmpeg()
    assert [error.id for error in errors] == ["media.E001", "media.E001"]
    assert "ffmpeg" in errors[0].msg and "apt-get install ffmpeg" in errors[0].hint
    health = [fn() for fn in hooks.get_hooks("dangke_health_checks") if fn.__module__ == "media.wagtail_hooks"]
    assert health[0].name == "ffmpeg" and not health[0].ok
    assert "`ffmpeg`" in health[0].detail


def test_an_ffmpeg_without_libx264_is_an_error(settings, tmp_path):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho ' A..... aac  AAC'\n")
    fake.chmod(0o755)
    settings.FFMPEG_BINARY = str(fake)
    messages = [error.msg for error in check_ffmpeg()]
    assert messages == ["Media pipeline: ffmpeg lacks the libx264 encoder."]
