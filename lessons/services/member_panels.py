"""Panels other apps put at the top of 我的学习, so lessons never imports them: an app registers a
`dangke_member_panels` hook, a function of the request returning {"template", "context"} or None.
The panels render in hook order, before the member's own study record."""

from __future__ import annotations

from wagtail import hooks


def member_panels(request) -> list[dict]:
    panels = []
    for fn in hooks.get_hooks("dangke_member_panels"):
        panel = fn(request)
        if panel is not None:
            panels.append({"template": panel["template"], "context": panel.get("context", {})})
    return panels
