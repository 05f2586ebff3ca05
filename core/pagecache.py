"""The full-page cache for anonymous readers.

`PageCacheMiddleware` sits first in the middleware list. A GET from a reader without a
session cookie is answered from the "pages" cache before sessions, users, templates
or the database are touched; a miss runs the site as usual and stores the response
when it is the same for every anonymous reader: a 200 that sets no cookie, used no
CSRF token and did not mark itself private.

Entries are keyed on host, path (the script-variant prefix included) and the allowed
query parameters. Purging does not hunt for keys: every unprefixed path has a
generation (a random token), stored beside the pages, and an entry counts only while
its generation is the current one; a purge writes a new token. One `get_many` reads
both, so a hit is one round trip.

A cache that is down (Redis stopped) is a miss, never an error.
"""

import hashlib
import logging
import uuid
from collections.abc import Iterable
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import get_max_age, patch_cache_control

from variants.middleware import split_variant

logger = logging.getLogger(__name__)

CACHE_HEADER = "X-Page-Cache"
# Links shared on social networks carry these; they never change the page.
TRACKING_PARAMS = {"fbclid", "gclid", "msclkid", "igshid", "yclid"}
# Headers that belong to one response only, never to the copies served from cache.
UNSTORED_HEADERS = {"date", "set-cookie", CACHE_HEADER.lower()}


def unprefixed(path: str) -> str:
    """The path without its script-variant prefix: purges reach every variant."""
    return unquote(split_variant(path)[1] or path)


def cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _generation_key(path: str) -> str:
    return "gen:" + hashlib.blake2b(path.encode(), digest_size=16).hexdigest()


def _page_key(host: str, path: str, params: str) -> str:
    raw = f"{host}\n{path}\n{params}".encode()
    return "page:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def cache_params(request) -> str | None:
    """The query string that enters the key, or None when the request must bypass."""
    allowed = settings.PAGE_CACHE_QUERY_PARAMS
    kept = []
    for name, values in request.GET.lists():
        if name.startswith("utm_") or name in TRACKING_PARAMS:
            continue
        if name not in allowed:
            return None
        kept.extend((name, value) for value in values)
    return urlencode(sorted(kept))


def is_anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def new_generation() -> str:
    return uuid.uuid4().hex[:16]


def purge_paths(paths: Iterable[str]) -> None:
    """Retire every cached copy of these paths: all hosts, variants and parameters."""
    keys = {_generation_key(unprefixed(path)) for path in paths}
    if not keys:
        return
    try:
        cache().set_many({key: new_generation() for key in keys}, timeout=None)
    except Exception:
        # A purge that cannot reach the cache leaves entries to expire on their own.
        logger.exception("page cache purge failed for %d paths", len(keys))


def lifetime(response) -> int:
    """PAGE_CACHE_SECONDS, or less when the view asked for a shorter max-age."""
    asked = get_max_age(response)
    if asked:
        return min(asked, settings.PAGE_CACHE_SECONDS)
    return settings.PAGE_CACHE_SECONDS


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if not is_anonymous(request):
            response = self.get_response(request)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response
        params = cache_params(request)
        if params is None:
            return self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)

        page_key = _page_key(host, request.path, params)
        generation_key = _generation_key(unprefixed(request.path))
        store = cache()
        try:
            found = store.get_many([page_key, generation_key])
        except Exception:
            logger.warning("page cache unavailable; serving uncached", exc_info=True)
            found, store = {}, None
        generation = found.get(generation_key)
        if generation is None and store is not None:
            # A path never purged, or whose generation was evicted: start one, so
            # that no copy stored under an evicted generation can come back.
            generation = new_generation()
            if not store.add(generation_key, generation, timeout=None):
                generation = store.get(generation_key, generation)
        entry = found.get(page_key)
        if entry is not None and entry[0] == generation:
            return self.replay(request, entry)

        response = self.get_response(request)
        if store is not None and self.is_storable(request, response):
            timeout = lifetime(response)
            self.set_public_headers(response)
            self.store(store, page_key, generation, response, timeout)
        return response

    @staticmethod
    def replay(request, entry) -> HttpResponse:
        _generation, status, headers, content = entry
        response = HttpResponse(
            b"" if request.method == "HEAD" else content, status=status
        )
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
        response[CACHE_HEADER] = "hit"
        return response

    @staticmethod
    def is_storable(request, response) -> bool:
        if response.status_code != 200 or response.streaming:
            return False
        if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        if request.META.get("CSRF_COOKIE_USED"):
            return False
        control = response.get("Cache-Control", "").lower()
        return not any(word in control for word in ("private", "no-store", "no-cache"))

    @staticmethod
    def store(store, page_key, generation, response, timeout: int) -> None:
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in UNSTORED_HEADERS
        ]
        entry = (generation, response.status_code, headers, response.content)
        try:
            store.set(page_key, entry, timeout=timeout)
        except Exception:
            logger.warning("page cache unavailable; page not stored", exc_info=True)
        response[CACHE_HEADER] = "miss"

    @staticmethod
    def set_public_headers(response) -> None:
        # The page is the same for every anonymous reader: let a CDN keep it, and
        # tell browsers to ask again each time (our copy answers in a millisecond).
        del response["Vary"]
        response["Vary"] = "Accept-Encoding"
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=settings.PAGE_CDN_SECONDS,
            stale_while_revalidate=settings.PAGE_STALE_WHILE_REVALIDATE,
            stale_if_error=settings.PAGE_STALE_IF_ERROR,
        )
        if settings.PAGE_EDGE_SECONDS:
            # nginx in front (deploy/nginx.conf) keeps the copy this long and hides
            # the header from readers; a purge here reaches them within it.
            response["X-Accel-Expires"] = str(settings.PAGE_EDGE_SECONDS)
