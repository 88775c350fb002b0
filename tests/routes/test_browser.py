"""A person opens a route page: with map tiles blocked the SVG schematic still shows every stop; with
tiles from a (local) tile server the Leaflet map shows a marker per stop."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STOP_NAMES = ["万忠墓纪念馆", "白玉山塔", "旅顺博物馆"]


def _tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 225, 210)).save(buffer, format="PNG")
    return buffer.getvalue()


class TileServer:
    """Serves one tiny PNG for every tile path on loopback; stops when the test ends."""

    def __init__(self):
        png = _tile_png()
        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url_template(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def route_on_live_site(live_site):
    from cms.models import HomePage
    from routes.factories import (
        RouteIndexPageFactory,
        RoutePageFactory,
        SiteIndexPageFactory,
        SitePageFactory,
    )
    from routes.models import RouteStop

    home = HomePage.objects.get()
    route_index = RouteIndexPageFactory(parent=home)
    site_index = SiteIndexPageFactory(parent=home)
    route = RoutePageFactory(parent=route_index, title="半日游·旅顺口核心线", slug="lushun-half-day")
    for order, (name, lat, lon) in enumerate(
        [
            (STOP_NAMES[0], 38.8236, 121.2697),
            (STOP_NAMES[1], 38.8100, 121.2530),
            (STOP_NAMES[2], 38.8125, 121.2580),
        ]
    ):
        site = SitePageFactory(parent=site_index, title=name, latitude=lat, longitude=lon)
        RouteStop.objects.create(page=route, site=site, sort_order=order, minutes_on_site=45)
    return f"{live_site.url}/routes/lushun-half-day/"


def test_blocked_tiles_leave_the_svg_schematic_with_every_stop(
    live_site, settings, route_on_live_site, browser_page
):
    settings.ROUTES_TILE_URL = "http://tiles.blocked.test/{z}/{x}/{y}.png"
    aborted = []

    def abort(route):
        aborted.append(route.request.url)
        route.abort()

    browser_page.route("http://tiles.blocked.test/**", abort)
    browser_page.goto(route_on_live_site)
    browser_page.locator('.route-map__frame[data-map-state="unavailable"]').wait_for()
    assert aborted, "the map should have tried to fetch tiles"
    schematic = browser_page.locator("[data-route-schematic] svg")
    assert schematic.is_visible()
    assert schematic.locator(".route-schematic__stop").count() == 3
    labels = schematic.locator("text").all_text_contents()
    for name in STOP_NAMES:
        assert name in labels
    assert browser_page.locator("#route-map").is_hidden()


def test_served_tiles_show_the_leaflet_markers(live_site, settings, route_on_live_site, browser_page):
    with TileServer() as tiles:
        settings.ROUTES_TILE_URL = tiles.url_template
        browser_page.goto(route_on_live_site)
        browser_page.locator('.route-map__frame[data-map-state="ready"]').wait_for()
        assert tiles.requests and all(path.startswith("/tiles/") for path in tiles.requests)
        markers = browser_page.locator("#route-map .leaflet-marker-icon")
        assert markers.count() == 3
        assert sorted(markers.all_text_contents()) == ["1", "2", "3"]
        assert browser_page.locator("#route-map .leaflet-tile-loaded").count() >= 1
        assert browser_page.locator("#route-map path.leaflet-interactive").count() == 1  # the path
        # The schematic stays in the page as the map's companion.
        assert browser_page.locator("[data-route-schematic] .route-schematic__stop").count() == 3


def test_near_me_uses_the_browser_location_after_the_button_is_pressed(
    live_site, route_on_live_site, browser_page
):
    browser_page.context.grant_permissions(["geolocation"], origin=live_site.url)
    browser_page.context.set_geolocation({"latitude": 38.8240, "longitude": 121.2690})
    browser_page.goto(f"{live_site.url}/routes/near/")
    assert browser_page.locator(".near-results").count() == 0  # nothing asked before the button
    browser_page.get_by_role("button", name="使用我的位置").click()
    browser_page.locator(".near-results").wait_for()
    names = browser_page.locator(".near-results li a").all_text_contents()
    assert names[0] == "万忠墓纪念馆" and set(names) == set(STOP_NAMES)
    assert browser_page.locator("#near-lat").input_value() == "38.82400"
