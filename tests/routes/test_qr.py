import io

import pytest
import zxingcpp
from PIL import Image

from routes.services import qr

pytestmark = pytest.mark.django_db


def _decode_png(data: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(results) == 1
    return results[0].text


def test_qr_png_decodes_back_to_the_url():
    url = "https://dangke.example.org/sites/lushun-prison/"
    assert _decode_png(qr.site_qr_png(url)) == url


def test_site_qr_endpoints_encode_the_public_url(client, make_site, settings):
    """The plaque's code leads to the configured public address, not the Site row's hostname
    (the demo's "localhost") nor the Host header of whoever printed it."""
    settings.PUBLIC_BASE_URL = "https://dangke.example.gov.cn"
    site = make_site("旅顺日俄监狱旧址", 38.8163, 121.2547, slug="lushun-prison")
    full_url = "https://dangke.example.gov.cn/sites/lushun-prison/"
    png = client.get(f"/routes/sites/{site.pk}/qr.png")
    assert png["Content-Type"] == "image/png"
    assert _decode_png(png.content) == full_url
    svg = client.get(f"/routes/sites/{site.pk}/qr.svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    # The SVG is the same code as the PNG (segno renders one matrix both ways).
    assert svg.content.decode() == qr.site_qr_svg(full_url, title=site.title)


def test_without_a_public_base_url_the_code_uses_the_request_address(client, make_site, settings):
    settings.PUBLIC_BASE_URL = ""
    site = make_site("旅顺日俄监狱旧址", 38.8163, 121.2547, slug="lushun-prison")
    png = client.get(f"/routes/sites/{site.pk}/qr.png", HTTP_HOST="192.168.1.20:8000")
    assert _decode_png(png.content) == "http://192.168.1.20:8000/sites/lushun-prison/"


def test_plaque_page_is_printable(client, make_site, settings):
    settings.PUBLIC_BASE_URL = "https://dangke.example.gov.cn"
    site = make_site("万忠墓纪念馆", 38.8236, 121.2697)
    html = client.get(f"/routes/sites/{site.pk}/plaque/").content.decode()
    assert (
        "<svg" in html and "万忠墓纪念馆" in html and "data-print" in html and "routes/js/plaque.js" in html
    )
    assert f"https://dangke.example.gov.cn{site.url}" in html


def test_no_qr_for_a_draft_site(client, make_site):
    site = make_site("草稿基地", 38.9, 121.6)
    site.unpublish()
    assert client.get(f"/routes/sites/{site.pk}/qr.svg").status_code == 404
    assert client.get(f"/routes/sites/{site.pk}/plaque/").status_code == 404
