import pytest

from routes.checks import check_routes_settings


def ids(errors):
    return [e.id for e in errors]


def test_default_settings_pass():
    assert check_routes_settings(None) == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("ROUTES_TILE_CRS", "bd09", "routes.E001"),
        ("ROUTES_CITY_BBOX", (40.2, 120.9, 38.6, 123.6), "routes.E002"),
        ("ROUTES_CITY_BBOX", (38.6, 120.9), "routes.E002"),
        ("ROUTES_TRAVEL_SPEED_KMH", 0, "routes.E003"),
        ("ROUTES_TILE_URL", "https://tiles.example.org/tile.png", "routes.E004"),
    ],
)
def test_bad_settings_fail(settings, name, value, error_id):
    setattr(settings, name, value)
    assert ids(check_routes_settings(None)) == [error_id]


def test_gcj02_is_accepted(settings):
    settings.ROUTES_TILE_CRS = "GCJ02"
    assert check_routes_settings(None) == []
