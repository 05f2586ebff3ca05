"""The providers' HTTP client: retries, waits, redirects and limits, against a local
server."""

import re
import time

import pytest
from werkzeug import Response

from editions import http
from editions.http import FetchError, fetch


def wait_for_requests(server, count: int) -> None:
    """Let a slow handler finish so its requests do not spill into the next test."""
    give_up = time.monotonic() + 5
    while len(server.log) < count and time.monotonic() < give_up:
        time.sleep(0.05)
    assert len(server.log) == count


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """The waits fetch() asked for, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(http, "sleep", waits.append)
    return waits


def test_success_returns_the_body_and_identifies_itself(httpserver, settings):
    settings.SITE_BASE_URL = "https://news.example.com"
    httpserver.expect_request("/data", query_string="a=1&b=x%2Cy").respond_with_data(
        "hello", content_type="text/plain"
    )

    response = fetch(httpserver.url_for("/data"), params={"a": "1", "b": "x,y"})

    assert response.status_code == 200
    assert response.text == "hello"
    (request, _response) = httpserver.log[0]
    assert re.fullmatch(
        r"huaxun/\S+ \(\+https://news\.example\.com\) weather-and-rates",
        request.headers["User-Agent"],
    )


def test_a_server_error_is_retried(httpserver, slept):
    httpserver.expect_ordered_request("/data").respond_with_data("busy", status=500)
    httpserver.expect_ordered_request("/data").respond_with_data("ok")

    assert fetch(httpserver.url_for("/data"), backoff=0.5).text == "ok"

    assert len(httpserver.log) == 2
    assert len(slept) == 1
    assert 0.5 <= slept[0] <= 1.0  # backoff plus up to one backoff of jitter


def test_retry_after_in_seconds_is_honoured(httpserver, slept):
    httpserver.expect_ordered_request("/data").respond_with_data(
        "", status=503, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/data").respond_with_data("ok")

    assert fetch(httpserver.url_for("/data")).text == "ok"
    assert slept == [1]


def test_retry_after_as_a_date_is_honoured(httpserver, slept):
    soon = time.time() + 3
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(soon))
    httpserver.expect_ordered_request("/data").respond_with_data(
        "", status=429, headers={"Retry-After": date}
    )
    httpserver.expect_ordered_request("/data").respond_with_data("ok")

    assert fetch(httpserver.url_for("/data")).text == "ok"
    assert 1 <= slept[0] <= 3


def test_retry_after_beyond_the_cap_gives_up_without_waiting(httpserver, slept):
    httpserver.expect_request("/data").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )

    with pytest.raises(FetchError, match=r"HTTP 429 asking to retry after 3600 s"):
        fetch(httpserver.url_for("/data"))

    assert slept == []
    assert len(httpserver.log) == 1


def test_retries_stop_after_the_last_attempt(httpserver, slept):
    httpserver.expect_request("/data").respond_with_data("", status=502)

    with pytest.raises(FetchError, match=r"/data: HTTP 502 after 3 attempts"):
        fetch(httpserver.url_for("/data"), attempts=3)

    assert len(httpserver.log) == 3
    assert len(slept) == 2


def test_a_slow_server_times_out_and_is_retried(httpserver, slept):
    def slow(request):
        time.sleep(0.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"/slow: ReadTimeout .* after 2 attempts"):
        fetch(httpserver.url_for("/slow"), timeout=0.2, attempts=2)

    assert len(slept) == 1
    assert time.monotonic() - started < 2
    wait_for_requests(httpserver, 2)


def test_the_total_deadline_bounds_the_whole_call(httpserver, monkeypatch):
    # A real (short) sleep: the deadline, not the attempt count, must end the call.
    monkeypatch.setattr(http, "sleep", time.sleep)
    httpserver.expect_request("/data").respond_with_data("", status=500)

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no time left to retry"):
        fetch(httpserver.url_for("/data"), attempts=50, backoff=0.2, total=1.0)

    assert time.monotonic() - started < 1.5


def test_a_client_error_is_not_retried(httpserver, slept):
    httpserver.expect_request("/data").respond_with_data("gone", status=404)

    with pytest.raises(FetchError, match=r"/data: HTTP 404, not retried"):
        fetch(httpserver.url_for("/data"))

    assert len(httpserver.log) == 1
    assert slept == []


def test_a_redirect_to_another_host_is_refused(httpserver, slept):
    httpserver.expect_request("/data").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.example/data"}
    )

    with pytest.raises(FetchError, match=r"redirected off the provider's host"):
        fetch(httpserver.url_for("/data"))

    assert len(httpserver.log) == 1


def test_a_redirect_on_the_same_host_is_followed(httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("moved")

    response = fetch(httpserver.url_for("/old"))

    assert response.text == "moved"
    assert response.url == httpserver.url_for("/new")


def test_a_redirect_loop_ends(httpserver, slept):
    httpserver.expect_request("/loop").respond_with_data(
        "", status=307, headers={"Location": "/loop"}
    )

    with pytest.raises(FetchError, match=r"more than 3 redirects"):
        fetch(httpserver.url_for("/loop"))

    assert len(httpserver.log) == 4


def test_a_declared_body_over_the_limit_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data("x" * 2000)

    with pytest.raises(FetchError, match=r"body of 2000 bytes is over 1000"):
        fetch(httpserver.url_for("/big"), max_bytes=1000)


def test_a_streamed_body_over_the_limit_is_cut_off(httpserver):
    def endless(request):
        # No Content-Length: only counting the bytes can stop this one.
        return Response(b"x" * 1024 for _ in range(100))

    httpserver.expect_request("/stream").respond_with_handler(endless)

    with pytest.raises(FetchError, match=r"body is over 10000 bytes"):
        fetch(httpserver.url_for("/stream"), max_bytes=10_000)


@pytest.mark.parametrize(
    "url", ["ftp://ftp.example.com/file.xml", "file:///etc/passwd", "not a url"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchError, match=r"only http and https|not a valid URL"):
        fetch(url)
