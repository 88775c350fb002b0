from django import template

from media.models import Recording

register = template.Library()

SPEEDS = ["0.75", "1", "1.25", "1.5", "1.75", "2"]


@register.inclusion_tag("media/player.html", takes_context=True)
def media_player(context, recording, captions=None, start=None):
    """{% media_player recording captions=captions start=start %}: the lesson player, or a status
    message while the recording is not playable yet."""
    request = context.get("request")
    # The player's scripts go out once per page, however many players it shows.
    first_on_page = True
    if request is not None:
        first_on_page = not getattr(request, "_media_player_assets", False)
        request._media_player_assets = True
    ready = recording is not None and recording.is_ready
    status_message = ""
    if recording is None:
        status_message = "音视频不存在。"
    elif not ready:
        if recording.status == Recording.Status.FAILED:
            status_message = "转码失败，暂时无法播放。"
        elif recording.status == Recording.Status.TRANSCODING:
            status_message = f"转码中 {int(recording.progress)}%，请稍后再来。"
        else:
            status_message = f"{recording.get_status_display()}，转码完成后即可播放。"
    try:
        start_seconds = max(0.0, float(start)) if start not in (None, "") else 0.0
    except (TypeError, ValueError):
        start_seconds = 0.0
    return {
        "recording": recording,
        "ready": ready,
        "status_message": status_message,
        "audio_only": ready and recording.is_audio_only,
        "captions": [caption for caption in (captions or []) if caption.get("src")],
        "start": start_seconds,
        "speeds": SPEEDS,
        "include_assets": first_on_page,
    }


@register.inclusion_tag("media/live_player.html", takes_context=True)
def live_player(context, hls_url, audio_url="", title=""):
    """{% live_player hls_url audio_url title %}: the player on a live HLS stream (no seek bar, no
    speed; a listen-only mode on the audio rendition)."""
    request = context.get("request")
    first_on_page = True
    if request is not None:
        first_on_page = not getattr(request, "_media_player_assets", False)
        request._media_player_assets = True
    return {"hls_url": hls_url, "audio_url": audio_url, "title": title, "include_assets": first_on_page}
