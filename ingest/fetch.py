"""Fetching other outlets' pages and feeds: never into our own network, within
robots.txt, one request per host at a time, bounded in time and size."""

import ipaddress
import logging
import math
import socket
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from protego import Protego

from core import outbound

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HOST_INTERVAL = 1.0  # seconds between two fetches from one host
HOST_POLL = 0.25
MAX_HOST_WAIT = 5.0
ROBOTS_TTL = 60 * 60
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB
ROBOTS_TOKEN = "huaxun"
CONNECT_TIMEOUT = 5.0
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    status: int  # 200, or 304 when not modified
    content: bytes  # b"" for 304
    headers: dict[str, str]  # lower-cased names
    etag: str
    last_modified: str


class FetchRefused(Exception):
    """We will not fetch this URL (scheme, address, robots.txt, size, redirects);
    retrying will not help until an operator changes the source or the settings."""


class FetchFailed(Exception):
    """The fetch did not succeed this time; `retry_after` is the wait the server (or
    our politeness limit) asked for, in seconds, when known."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


def sleep(seconds: float) -> None:
    # Indirection so that tests can replace the wait without slowing down.
    time.sleep(seconds)


def user_agent() -> str:
    return outbound.user_agent("republishing")


def _parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchRefused(f"{url}: not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchRefused(f"{url}: only http and https URLs are fetched")
    return parsed


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    # ::ffff:10.0.0.1 reaches 10.0.0.1; judge the IPv4 address it carries.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _ascii_host(url: httpx.URL) -> str:
    # The IDNA form httpx computed: resolving the Unicode name ourselves would use
    # Python's older IDNA rules and could reach a different host.
    return url.raw_host.decode("ascii").lower()


def _vetted_addresses(url: httpx.URL) -> list[str]:
    """The addresses `url`'s host resolves to, all of them public (or the host is
    allowed by INGEST_PRIVATE_HOSTS); FetchRefused otherwise."""
    host = _ascii_host(url)
    try:
        infos = socket.getaddrinfo(host, url.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"{url}: cannot resolve {host} ({exc})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    allowed = {name.lower() for name in settings.INGEST_PRIVATE_HOSTS}
    if not allowed & {host, url.host.lower()}:
        # One private address is enough to refuse: a host that resolves to both
        # could be steered to the private one.
        private = [address for address in addresses if not _is_public(address)]
        if private:
            raise FetchRefused(
                f"{url}: {host} resolves to non-public address {private[0]}; add the"
                " host to INGEST_PRIVATE_HOSTS if this source is really on a private"
                " network"
            )
    if not addresses:
        raise FetchFailed(f"{url}: {host} resolves to no address")
    return addresses


def _take_turn(host: str) -> None:
    """Claim `host` for HOST_INTERVAL seconds, waiting a little if another fetch
    holds it; every worker sharing the cache sees the same claim."""
    key = f"ingest:turn:{host}"
    # Redis keeps whole seconds; a timeout rounded down to 0 would not hold at all.
    hold = max(1, math.ceil(HOST_INTERVAL))
    waited = 0.0
    while not cache.add(key, True, timeout=hold):
        if waited >= MAX_HOST_WAIT:
            raise FetchFailed(
                f"{host}: still busy with other fetches after {waited:g} s",
                retry_after=HOST_INTERVAL,
            )
        sleep(HOST_POLL)
        waited += HOST_POLL


@dataclass
class _Exchange:
    """Shared state of one fetch() call across its redirects and robots.txt reads."""

    client: httpx.Client
    deadline: float
    timeout: float
    turns: set[str]


def _request(
    exchange: _Exchange, url: httpx.URL, headers: dict[str, str], max_bytes: int
) -> Fetched:
    """One GET of `url`, pinned to a vetted address; the body is read only for 2xx."""
    addresses = _vetted_addresses(url)
    host = _ascii_host(url)
    if host not in exchange.turns:
        # One turn covers every request of a fetch() to that host (its robots.txt
        # and same-host redirects), so a first visit does not wait for itself.
        _take_turn(host)
        exchange.turns.add(host)
    # DNS rebinding: checking a name and then letting httpx resolve it again would
    # allow a second answer pointing inside. So we connect to the address we vetted,
    # keeping the name for Host and for TLS (SNI and certificate checks). The cost is
    # no happy-eyeballs fallback beyond trying the vetted addresses in order.
    request_headers = {**headers, "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    for index, address in enumerate(addresses):
        remaining = exchange.deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(f"{url}: gave up after {exchange.timeout:g} s")
        limit = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))
        try:
            with exchange.client.stream(
                "GET",
                url.copy_with(host=address),
                headers=request_headers,
                extensions=extensions,
                timeout=limit,
            ) as response:
                return _read(exchange, url, response, max_bytes)
        except httpx.ConnectError as exc:
            if index + 1 == len(addresses):
                raise FetchFailed(f"{url}: cannot connect ({exc})") from exc
        except httpx.TimeoutException as exc:
            raise FetchFailed(f"{url}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{url}: {type(exc).__name__} ({exc})") from exc
    raise AssertionError("unreachable: the last address returns or raises")


def _read(
    exchange: _Exchange, url: httpx.URL, response: httpx.Response, max_bytes: int
) -> Fetched:
    status = response.status_code
    content = b""
    if 200 <= status < 300:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchRefused(f"{url}: body of {length} bytes is over {max_bytes}")
        chunks, size = [], 0
        # iter_bytes inflates gzip/deflate, so the cap also stops a small compressed
        # body that inflates to gigabytes.
        for chunk in response.iter_bytes(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(f"{url}: body is over {max_bytes} bytes")
            if time.monotonic() > exchange.deadline:
                raise FetchFailed(f"{url}: body still arriving after the timeout")
            chunks.append(chunk)
        content = b"".join(chunks)
    headers = {
        key.lower(): value
        for key, value in response.headers.items()
        # The content is already decoded: these would describe bytes we don't hold.
        if key.lower() not in ("content-encoding", "content-length")
    }
    return Fetched(
        url=str(url),
        status=status,
        content=content,
        headers=headers,
        etag=headers.get("etag", ""),
        last_modified=headers.get("last-modified", ""),
    )


def _get(
    exchange: _Exchange,
    url: httpx.URL,
    headers: dict[str, str],
    max_bytes: int,
    respect_robots: bool,
) -> Fetched:
    """GET following redirects by hand, so that every hop is vetted anew."""
    seen = {str(url)}
    for _hop in range(MAX_REDIRECTS + 1):
        if respect_robots:
            _check_robots(exchange, url)
        fetched = _request(exchange, url, headers, max_bytes)
        if fetched.status not in REDIRECT_STATUSES:
            return fetched
        location = fetched.headers.get("location")
        if not location:
            raise FetchFailed(f"{url}: redirect without a Location", status=302)
        try:
            target = _parse_url(str(url.join(location)))
        except httpx.InvalidURL as exc:
            raise FetchRefused(f"{url}: redirect to a bad URL {location!r}") from exc
        if str(target) in seen:
            raise FetchRefused(f"{url}: redirect loop back to {target}")
        seen.add(str(target))
        url = target
    raise FetchRefused(f"{url}: more than {MAX_REDIRECTS} redirects")


def _check_robots(exchange: _Exchange, url: httpx.URL) -> None:
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    key = f"ingest:robots:{origin}"
    rules = cache.get(key)
    if rules is None:
        robots_url = _parse_url(f"{origin}/robots.txt")
        fetched = _get(
            exchange,
            robots_url,
            {"User-Agent": user_agent()},
            ROBOTS_MAX_BYTES,
            respect_robots=False,
        )
        if fetched.status == 429 or fetched.status >= 500:
            # RFC 9309: an unreachable robots.txt means crawl nothing for now.
            raise FetchFailed(
                f"{robots_url}: HTTP {fetched.status}; not fetching {url} until"
                " robots.txt can be read",
                retry_after=outbound.retry_after_seconds(
                    fetched.headers.get("retry-after")
                ),
                status=fetched.status,
            )
        # Any other 4xx means the site has no rules for us: allowed.
        rules = (
            fetched.content.decode("utf-8", "replace") if fetched.status < 300 else ""
        )
        cache.set(key, rules, ROBOTS_TTL)
    if rules and not Protego.parse(rules).can_fetch(str(url), ROBOTS_TOKEN):
        raise FetchRefused(f"{url}: disallowed by {origin}/robots.txt for huaxun")


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = 10_000_000,
    timeout: float = 10.0,
    respect_robots: bool = True,
) -> Fetched:
    """GET `url` once; Fetched for 200 or 304, FetchRefused or FetchFailed otherwise.

    `timeout` bounds the whole call, robots.txt and redirects included (a blocking
    read can outlast it by one read). There is no retry here: an immediate retry
    would break the per-host interval, so the caller reschedules, using
    FetchFailed.retry_after when given.
    """
    start = _parse_url(url)
    headers = {"User-Agent": user_agent()}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # trust_env=False: a proxy from the environment would make the address checks
    # meaningless. No keep-alive: a pooled connection is keyed by address, and
    # could be reused for another host name with the first one's TLS identity.
    with httpx.Client(
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        exchange = _Exchange(
            client=client,
            deadline=time.monotonic() + timeout,
            timeout=timeout,
            turns=set(),
        )
        fetched = _get(exchange, start, headers, max_bytes, respect_robots)
    if fetched.status == 304:
        # A 304 need not repeat the validators; the caller keeps the ones it sent.
        return Fetched(
            url=fetched.url,
            status=304,
            content=b"",
            headers=fetched.headers,
            etag=fetched.etag or etag,
            last_modified=fetched.last_modified or last_modified,
        )
    if 200 <= fetched.status < 300:
        return fetched
    retry_after = None
    if fetched.status in (429, 503):
        retry_after = outbound.retry_after_seconds(fetched.headers.get("retry-after"))
    raise FetchFailed(
        f"{fetched.url}: HTTP {fetched.status}",
        retry_after=retry_after,
        status=fetched.status,
    )
