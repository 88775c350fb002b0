from django import template

from security.csp import current_nonce

register = template.Library()


@register.simple_tag
def csp_nonce():
    """The nonce of the request being answered, for templates rendered without it (form widgets,
    Wagtail panels): ``<script nonce="{% csp_nonce %}">``."""
    return current_nonce()
