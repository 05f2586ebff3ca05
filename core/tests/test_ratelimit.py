"""Client addresses behind a proxy, and the 429 answer of a rate limit."""

import pytest
from django.test import RequestFactory

from core.ratelimit import RateLimited, client_ip, limit


def request_with(remote="10.0.0.9", forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_HEADER = ""
    assert client_ip(request_with(forwarded="203.0.113.7")) == "10.0.0.9"


@pytest.mark.parametrize(
    ("forwarded", "count", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        # A client can prepend anything; only what our proxies appended counts.
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("2001:db8::1", 1, "2001:db8::1"),
        ("not-an-address", 1, "10.0.0.9"),
        ("203.0.113.7", 2, "10.0.0.9"),
    ],
)
def test_a_trusted_proxy_header_is_read_from_the_right(
    settings, forwarded, count, expected
):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_with(forwarded=forwarded)) == expected


def test_a_limit_counts_per_address_and_tells_when_to_retry(settings):
    settings.RATE_LIMITS = {"probe": "2/m"}
    settings.TRUSTED_PROXY_HEADER = ""
    for _ in range(2):
        limit(request_with(), "probe")
    with pytest.raises(RateLimited) as refused:
        limit(request_with(), "probe")
    assert 1 <= refused.value.retry_after <= 60
    limit(request_with(remote="10.0.0.10"), "probe")  # another reader is unaffected
