"""The client address behind trusted proxies only (security.client_ip)."""

import pytest
from django.test import RequestFactory

from security.client_ip import client_ip, parse_address


@pytest.fixture
def trusted(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "::1"]


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.1", None, "198.51.100.1"),
        # An untrusted client's header is ignored, whatever it claims.
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),
        # nginx on loopback: the address it appended.
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),
        # A spoofed entry before the real one is ignored: the walk stops at the first untrusted hop.
        ("127.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # Through a trusted load balancer (10.x) and nginx.
        ("127.0.0.1", "203.0.113.9, 10.1.2.3", "203.0.113.9"),
        # All hops trusted: the left-most.
        ("127.0.0.1", "10.0.0.5", "10.0.0.5"),
        # Garbage stops the walk at the last good address.
        ("127.0.0.1", "203.0.113.9, not-an-ip", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("127.0.0.1", "[2001:db8::7]:4431", "2001:db8::7"),
        ("127.0.0.1", "203.0.113.9:5000", "203.0.113.9"),
    ],
)
def test_client_ip(remote, forwarded, expected):
    assert client_ip(request_from(remote, forwarded)) == expected


def test_nothing_is_trusted_when_the_list_is_empty(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_from("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


def test_parse_address_maps_ipv4_in_ipv6():
    assert parse_address("::ffff:203.0.113.9") == "203.0.113.9"
    assert parse_address("unknown") is None


def test_no_address_at_all_is_empty(trusted):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == ""
