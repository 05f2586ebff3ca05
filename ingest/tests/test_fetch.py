"""fetch(): addresses, redirects, robots.txt, politeness, sizes and conditional GETs,
against a local server."""

import gzip
import re
import socket
import time

import pytest
from django.core.cache import cache
from werkzeug import Response

from ingest import fetch as fetch_module
from ingest.fetch import FetchFailed, FetchRefused, fetch

ARTICLE = "<html><body><p>本地社区新闻:图书馆周末开放。</p></body></html>"


@pytest.fixture
def site(httpserver, settings):
    """The local server, allowed as a private host, with no robots.txt."""
    settings.INGEST_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """The politeness waits, recorded instead of slept; the host stays busy."""
    waits: list[float] = []
    monkeypatch.setattr(fetch_module, "sleep", waits.append)
    return waits


def paths(server) -> list[str]:
    return [request.path for request, _response in server.log]


def test_a_page_is_fetched_with_its_validators_and_our_name(site, settings):
    settings.SITE_BASE_URL = "https://news.example.com"
    site.expect_request("/story").respond_with_data(
        ARTICLE,
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 03 Mar 2025 10:00:00 GMT"},
    )

    fetched = fetch(site.url_for("/story"))

    assert fetched.status == 200
    assert fetched.content.decode() == ARTICLE
    assert fetched.url == site.url_for("/story")
    assert fetched.headers["content-type"] == "text/html; charset=utf-8"
    assert fetched.etag == '"v1"'
    assert fetched.last_modified == "Mon, 03 Mar 2025 10:00:00 GMT"
    assert paths(site) == ["/robots.txt", "/story"]
    request = site.log[1][0]
    assert re.fullmatch(
        r"huaxun/\S+ \(\+https://news\.example\.com\) republishing",
        request.headers["User-Agent"],
    )
    assert "If-None-Match" not in request.headers


def test_an_unchanged_page_is_a_304_without_content(site):
    site.expect_request(
        "/feed",
        headers={
            "If-None-Match": '"v1"',
            "If-Modified-Since": "Mon, 03 Mar 2025 10:00:00 GMT",
        },
    ).respond_with_data("", status=304)

    fetched = fetch(
        site.url_for("/feed"),
        etag='"v1"',
        last_modified="Mon, 03 Mar 2025 10:00:00 GMT",
    )

    assert fetched.status == 304
    assert fetched.content == b""
    # The server did not repeat its validators; the ones sent are kept.
    assert fetched.etag == '"v1"'
    assert fetched.last_modified == "Mon, 03 Mar 2025 10:00:00 GMT"


def test_loopback_is_refused_unless_allowed(httpserver, settings):
    settings.INGEST_PRIVATE_HOSTS = []
    httpserver.expect_request("/story").respond_with_data(ARTICLE)

    with pytest.raises(FetchRefused, match="INGEST_PRIVATE_HOSTS"):
        fetch(httpserver.url_for("/story").replace("localhost", "127.0.0.1"))

    assert httpserver.log == []


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]:{port}/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0:{port}/",
        "file:///etc/passwd",
        "ftp://127.0.0.1/pub/",
    ],
)
def test_a_redirect_into_a_private_network_is_refused(site, target):
    location = target.format(port=site.port)
    site.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": location}
    )

    with pytest.raises(FetchRefused):
        fetch(site.url_for("/go"))

    assert paths(site) == ["/robots.txt", "/go"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.xml"])
def test_other_schemes_are_refused(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(url)


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, port))
            for a in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_with_any_private_address_is_refused(monkeypatch, settings):
    settings.INGEST_PRIVATE_HOSTS = []
    fake_dns(monkeypatch, {"news.example": ["93.184.215.14", "192.168.1.20"]})

    with pytest.raises(FetchRefused, match="192.168.1.20"):
        fetch("http://news.example/rss")


def test_the_vetted_address_is_the_one_connected_to(site, monkeypatch, settings):
    # The name resolves once; the request goes to that address under the name.
    settings.INGEST_PRIVATE_HOSTS = ["news.example"]
    fake_dns(monkeypatch, {"news.example": ["127.0.0.1"]})
    site.expect_request("/rss").respond_with_data("<rss/>")

    fetched = fetch(f"http://news.example:{site.port}/rss")

    assert fetched.content == b"<rss/>"
    assert fetched.url == f"http://news.example:{site.port}/rss"
    assert site.log[-1][0].headers["Host"] == f"news.example:{site.port}"


def test_an_international_name_is_resolved_and_sent_in_its_ascii_form(
    site, monkeypatch, settings
):
    settings.INGEST_PRIVATE_HOSTS = ["新闻.example"]
    fake_dns(monkeypatch, {"xn--efvy88h.example": ["127.0.0.1"]})
    site.expect_request("/rss").respond_with_data("<rss/>")

    assert fetch(f"http://新闻.example:{site.port}/rss").content == b"<rss/>"
    assert site.log[-1][0].headers["Host"] == f"xn--efvy88h.example:{site.port}"


def test_redirects_are_followed_to_the_final_url(site):
    site.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    site.expect_request("/new").respond_with_data(ARTICLE)

    fetched = fetch(site.url_for("/old"))

    assert fetched.url == site.url_for("/new")
    assert fetched.content.decode() == ARTICLE


def test_a_redirect_loop_is_refused(site):
    site.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": "/b"}
    )
    site.expect_request("/b").respond_with_data(
        "", status=302, headers={"Location": "/a"}
    )

    with pytest.raises(FetchRefused, match="loop"):
        fetch(site.url_for("/a"))


def test_more_than_five_redirects_are_refused(site):
    for hop in range(7):
        site.expect_request(f"/r{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/r{hop + 1}"}
        )

    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        fetch(site.url_for("/r0"))

    assert paths(site)[-1] == "/r5"


def test_a_declared_length_over_the_limit_is_refused_unread(site):
    site.expect_request("/big").respond_with_data("新" * 1000)

    with pytest.raises(FetchRefused, match="3000 bytes is over 1000"):
        fetch(site.url_for("/big"), max_bytes=1000)


def test_a_streamed_body_over_the_limit_is_refused(site):
    # A generator body has no Content-Length: only counting can stop it.
    site.expect_request("/stream").respond_with_response(
        Response((b"x" * 500 for _ in range(10)), content_type="text/html")
    )

    with pytest.raises(FetchRefused, match="over 1000 bytes"):
        fetch(site.url_for("/stream"), max_bytes=1000)


def test_a_compressed_body_counts_after_decompression(site):
    bomb = gzip.compress(b"\0" * 1_000_000)
    site.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}
    )
    assert len(bomb) < 10_000

    with pytest.raises(FetchRefused, match="over 100000 bytes"):
        fetch(site.url_for("/bomb"), max_bytes=100_000)


def test_a_robots_disallow_is_respected(httpserver, settings):
    settings.INGEST_PRIVATE_HOSTS = ["localhost"]
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow:\n\nUser-agent: huaxun\nDisallow: /members/\n"
    )
    httpserver.expect_request("/members/story").respond_with_data(ARTICLE)
    httpserver.expect_request("/news/story").respond_with_data(ARTICLE)

    with pytest.raises(FetchRefused, match="robots.txt"):
        fetch(httpserver.url_for("/members/story"))
    cache.delete("ingest:turn:localhost")  # time passes
    assert fetch(httpserver.url_for("/news/story")).status == 200

    # robots.txt was read once and kept; the disallowed page was never asked for.
    assert paths(httpserver) == ["/robots.txt", "/news/story"]


def test_robots_can_be_ignored_for_sources_we_have_permission_for(site):
    site.expect_request("/story").respond_with_data(ARTICLE)

    assert fetch(site.url_for("/story"), respect_robots=False).status == 200
    assert paths(site) == ["/story"]


def test_a_missing_robots_txt_allows_everything(site):
    site.expect_request("/members/story").respond_with_data(ARTICLE)

    assert fetch(site.url_for("/members/story")).status == 200


def test_an_unavailable_robots_txt_means_try_later(httpserver, settings):
    settings.INGEST_PRIVATE_HOSTS = ["localhost"]
    httpserver.expect_request("/robots.txt").respond_with_data(
        "", status=503, headers={"Retry-After": "600"}
    )

    with pytest.raises(FetchFailed, match="robots.txt") as caught:
        fetch(httpserver.url_for("/story"))

    assert caught.value.retry_after == 600
    assert paths(httpserver) == ["/robots.txt"]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_surfaced_without_waiting(site, slept, status):
    site.expect_request("/feed").respond_with_data(
        "", status=status, headers={"Retry-After": "120"}
    )

    with pytest.raises(FetchFailed) as caught:
        fetch(site.url_for("/feed"))

    assert caught.value.retry_after == 120
    assert caught.value.status == status
    assert slept == []


def test_retry_after_as_a_date_is_surfaced(site):
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 300))
    site.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": soon}
    )

    with pytest.raises(FetchFailed) as caught:
        fetch(site.url_for("/feed"))

    assert 290 <= caught.value.retry_after <= 300


def test_a_server_error_fails_without_retry_after(site):
    site.expect_request("/feed").respond_with_data("", status=500)

    with pytest.raises(FetchFailed, match="HTTP 500") as caught:
        fetch(site.url_for("/feed"))

    assert caught.value.retry_after is None
    assert paths(site) == ["/robots.txt", "/feed"]


def test_a_slow_server_times_out(site):
    def slow(request):
        time.sleep(0.6)
        return Response("late")

    site.expect_request("/slow").respond_with_handler(slow)

    with pytest.raises(FetchFailed, match="timed out"):
        fetch(site.url_for("/slow"), timeout=0.3)

    # Let the handler finish so its request does not spill into the next test.
    give_up = time.monotonic() + 5
    while len(site.log) < 2 and time.monotonic() < give_up:
        time.sleep(0.05)
    assert paths(site) == ["/robots.txt", "/slow"]


def test_a_second_quick_fetch_from_one_host_waits_its_turn(site, monkeypatch):
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        cache.delete("ingest:turn:localhost")  # time passes

    monkeypatch.setattr(fetch_module, "sleep", sleep)
    site.expect_request("/one").respond_with_data(ARTICLE)
    site.expect_request("/two").respond_with_data(ARTICLE)

    assert fetch(site.url_for("/one")).status == 200
    assert waits == []  # robots.txt and the page shared one turn
    assert fetch(site.url_for("/two")).status == 200

    assert waits == [fetch_module.HOST_POLL]
    assert paths(site) == ["/robots.txt", "/one", "/two"]


def test_a_host_that_stays_busy_fails_with_a_retry_after(site, slept):
    site.expect_request("/one").respond_with_data(ARTICLE)
    fetch(site.url_for("/one"))

    with pytest.raises(FetchFailed, match="busy") as caught:
        fetch(site.url_for("/one"))

    assert sum(slept) == fetch_module.MAX_HOST_WAIT
    assert caught.value.retry_after == fetch_module.HOST_INTERVAL
    assert paths(site) == ["/robots.txt", "/one"]
