"""Serve every page in each script variant under its own path prefix.

/zh-hant/news/x/ is resolved as /news/x/ with `request.variant` set, and its HTML
is converted on the way out, so views, Wagtail and reverse() know nothing of
variants. Pages never vary by cookie: the variant is in the URL.
"""

from hashlib import blake2b
from threading import Lock
from urllib.parse import urlsplit

from django.http import HttpResponseRedirect

from .conversion import DEFAULT, VARIANTS, Variant
from .rewrite import prefix_link, rewrite_html, unprefixed_paths

# Headers that carry a URL for the browser to follow.
LOCATION_HEADERS = (
    "Location",
    "HX-Redirect",
    "HX-Location",
    "HX-Push-Url",
    "HX-Replace-Url",
)


def split_variant(path: str) -> tuple[Variant, str | None]:
    """The variant named by the path's prefix and the path without it;
    None when the prefix is the whole path ("/zh-hant")."""
    head, _, rest = path[1:].partition("/")
    variant = VARIANTS.get(head)
    if variant is None or not variant.prefix:
        return DEFAULT, path
    if not rest and not path.endswith("/"):
        return variant, None
    return variant, "/" + rest


class VariantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        variant, path = split_variant(request.path_info)
        request.variant = variant
        if not variant.prefix:
            return self.get_response(request)
        query = request.META.get("QUERY_STRING", "")
        query = f"?{query}" if query else ""
        if path is None:
            return HttpResponseRedirect(f"{variant.prefix}/{query}")
        if path.startswith(unprefixed_paths()):
            # The admin, files and the switch itself exist once, unprefixed.
            return HttpResponseRedirect(path + query)

        script_name = request.path[: len(request.path) - len(request.path_info)]
        request.path_info = request.META["PATH_INFO"] = path
        request.path = script_name + path
        response = self.get_response(request)
        return convert_response(request, response, variant)


def convert_response(request, response, variant: Variant):
    for header in LOCATION_HEADERS:
        if header in response:
            response[header] = prefix_location(request, response[header], variant)
    if (
        response.streaming
        or response.has_header("Content-Encoding")
        or not response.get("Content-Type", "").startswith("text/html")
    ):
        return response
    try:
        response.content = converted_page(response.content, response.charset, variant)
    except UnicodeDecodeError:
        return response
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    response["Content-Language"] = variant.lang
    return response


def prefix_location(request, location: str, variant: Variant) -> str:
    """Relative and same-host redirects stay in the variant."""
    if location.startswith("/"):
        return prefix_link(location, variant)
    parts = urlsplit(location)
    if parts.scheme in ("http", "https") and parts.netloc == request.get_host():
        origin = f"{parts.scheme}://{parts.netloc}"
        return origin + prefix_link(location[len(origin) :] or "/", variant)
    return location


# Anonymous readers all get the same bytes, so the last pages converted are kept
# (in order of use) and the same page in the same variant is converted once.
PAGE_CACHE_SIZE = 256
_pages: dict[tuple[str, bytes], bytes] = {}
_pages_lock = Lock()


def converted_page(content: bytes, charset: str, variant: Variant) -> bytes:
    key = (variant.code, blake2b(content, digest_size=16).digest())
    with _pages_lock:
        page = _pages.pop(key, None)
        if page is not None:
            _pages[key] = page
            return page
    page = rewrite_html(content.decode(charset), variant).encode(charset)
    with _pages_lock:
        _pages[key] = page
        while len(_pages) > PAGE_CACHE_SIZE:
            del _pages[next(iter(_pages))]  # the least recently used
    return page
