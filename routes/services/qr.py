"""QR codes for plaques at the sites: each opens the site's full URL."""

from __future__ import annotations

import io

import segno


def site_qr(url: str) -> segno.QRCode:
    # Error level H: plaques outdoors get scratched and dirty; H survives 30 % damage.
    return segno.make(url, error="h", micro=False)


def site_qr_svg(url: str, *, scale: int = 8, title: str = "") -> str:
    buffer = io.BytesIO()
    site_qr(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        title=title or None,
        svgclass="qr-code",
        lineclass=None,
    )
    return buffer.getvalue().decode()


def site_qr_png(url: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    site_qr(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
