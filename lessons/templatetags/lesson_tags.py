from django import template

from ..ranges import format_timestamp

register = template.Library()


@register.filter
def timestamp(seconds):
    """63 -> "01:03"."""
    return format_timestamp(seconds)


@register.filter
def minutes(seconds):
    """Whole minutes: 2700.0 -> 45."""
    return int((seconds or 0) // 60)
