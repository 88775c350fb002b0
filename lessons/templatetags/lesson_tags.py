from django import template
from django.template import engines
from django.template.loader import render_to_string

from ..ranges import format_timestamp

register = template.Library()

MEDIA_PLAYER = "{% load media_tags %}{% media_player recording captions=captions start=start %}"


@register.filter
def timestamp(seconds):
    """63 -> "01:03"."""
    return format_timestamp(seconds)


def media_player_available() -> bool:
    return "media_tags" in engines["django"].engine.template_libraries


@register.simple_tag(takes_context=True)
def lesson_player(context, recording, captions=None, start=None):
    """The media app's player; until that app provides its `media_player` tag, a plain <video>
    that keeps the same contract (container, `dangke:player-ready`, `dangkePlayer.seek`)."""
    values = {"recording": recording, "captions": captions or [], "start": start}
    if media_player_available():
        return engines["django"].from_string(MEDIA_PLAYER).render(values, request=context.get("request"))
    return render_to_string("lessons/includes/fallback_player.html", values, request=context.get("request"))
