"""The switch between variants: remember the reader's choice, show the page in it."""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from .conversion import VARIANTS
from .middleware import split_variant
from .rewrite import prefix_link

VARIANT_COOKIE = "variant"
VARIANT_COOKIE_AGE = 365 * 24 * 3600


@require_GET
def switch(request, code: str):
    """Go to `next` in the chosen variant; the cookie lets variants.js bring the
    reader back to it from unprefixed links. Choosing the default forgets it."""
    variant = VARIANTS.get(code)
    if variant is None:
        raise Http404
    target = request.GET.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = "/"
    path, mark, query = target.partition("?")
    _, path = split_variant(path)
    response = HttpResponseRedirect(prefix_link(path or "/", variant) + mark + query)
    if variant.prefix:
        response.set_cookie(
            VARIANT_COOKIE,
            variant.code,
            max_age=VARIANT_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(VARIANT_COOKIE, samesite="Lax")
    add_never_cache_headers(response)
    return response
