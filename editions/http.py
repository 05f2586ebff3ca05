"""The one HTTP client the weather and exchange-rate providers are fetched with:
bounded in time and size, retrying politely, never leaving the provider's host."""

import logging
import random
import time
from collections.abc import Mapping

import httpx

from core import outbound

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 2.0
CHUNK_SIZE = 64 * 1024


class ProviderError(Exception):
    """A provider could not be read: unreachable, refusing, or sending bad data."""


class FetchError(ProviderError):
    """The HTTP exchange itself failed; the message names the URL and the cause."""


def sleep(seconds: float) -> None:
    # Indirection so that tests can replace the wait without slowing down.
    time.sleep(seconds)


def user_agent() -> str:
    return outbound.user_agent("weather-and-rates")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def fetch(
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    attempts: int = 3,
    backoff: float = 0.5,
    max_bytes: int = 5_000_000,
    total: float = 10.0,
    max_retry_after: float = 10.0,
) -> httpx.Response:
    """GET `url` and return the fully read 2xx response, or raise FetchError.

    `timeout` bounds each connect (at most 2 s), read and write; `total` is a
    deadline for the whole call, checked before every attempt, redirect, body chunk
    and wait. A blocking read started before the deadline can outlast it by at most
    `timeout`, so the worst case is `total + timeout`: 15 s with the defaults.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    try:
        start_url = httpx.URL(url).copy_merge_params(params or {})
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url}: not a valid URL ({exc})") from exc
    if start_url.scheme not in ("http", "https") or not start_url.host:
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    deadline = time.monotonic() + total
    headers = {"User-Agent": user_agent()}
    with httpx.Client(headers=headers, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"{start_url}: gave up after {total:g} s")
            limit = httpx.Timeout(
                min(timeout, remaining), connect=min(CONNECT_TIMEOUT, remaining)
            )
            try:
                response = _get(client, start_url, limit, max_bytes, deadline)
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                cause, wait = f"{type(exc).__name__} ({exc})", None
            except httpx.RemoteProtocolError as exc:
                # The server hung up mid-exchange: as transient as a network error.
                cause, wait = f"protocol error: {exc}", None
            except httpx.HTTPError as exc:
                raise FetchError(f"{start_url}: {exc}") from exc
            else:
                if response.is_success:
                    return response
                cause = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    raise FetchError(f"{response.url}: {cause}, not retried")
                wait = outbound.retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > max_retry_after:
                    # Sleeping that long would hold up a worker; the next scheduled
                    # refresh is the better retry.
                    raise FetchError(
                        f"{response.url}: {cause} asking to retry after {wait:g} s"
                        f" (more than {max_retry_after:g} s), giving up"
                    )
            if attempt == attempts:
                raise FetchError(f"{start_url}: {cause} after {attempts} attempts")
            if wait is None:
                # Jitter spreads out workers that failed together.
                wait = backoff * 2 ** (attempt - 1) + random.uniform(0, backoff)
            if time.monotonic() + wait >= deadline:
                raise FetchError(f"{start_url}: {cause}; no time left to retry")
            logger.warning(
                "%s: %s, retry %d in %.1f s", start_url, cause, attempt, wait
            )
            sleep(wait)
    raise AssertionError("unreachable: every attempt returns or raises")


def _get(
    client: httpx.Client,
    url: httpx.URL,
    limit: httpx.Timeout,
    max_bytes: int,
    deadline: float,
) -> httpx.Response:
    """One attempt: follow same-origin redirects by hand and read a capped body."""
    for _hop in range(MAX_REDIRECTS + 1):
        with client.stream("GET", url, timeout=limit) as response:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"{url}: redirect without a Location")
                target = url.join(location)
                if _origin(target) != _origin(url):
                    raise FetchError(
                        f"{url}: redirected off the provider's host to {target}"
                    )
                url = target
                continue
            if not response.is_success:
                return response  # the body of an error is not needed
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: body of {length} bytes is over {max_bytes}")
            chunks, size = [], 0
            # iter_bytes decodes gzip/deflate, so the cap also stops a compressed
            # body that inflates to gigabytes.
            for chunk in response.iter_bytes(CHUNK_SIZE):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: body is over {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: body still arriving at the deadline")
                chunks.append(chunk)
            # A fresh response holding the decoded body; the encoding headers would
            # make httpx decode it a second time.
            headers = [
                (key, value)
                for key, value in response.headers.multi_items()
                if key.lower() not in ("content-encoding", "content-length")
            ]
            return httpx.Response(
                response.status_code,
                headers=headers,
                content=b"".join(chunks),
                request=response.request,
            )
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
