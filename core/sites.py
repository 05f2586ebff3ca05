"""The Wagtail site of a request from a small table in each process.

Wagtail finds a request's site with a query on every request (hostname, port,
default site: about a twentieth of an uncached article page). Sites change when a
portal is set up, not while it runs, so each process keeps what it found for
`CHROME_SECONDS`; a change saved in this process clears the table at once, others
see it within that time.
"""

import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Site

# Any Host header is looked up; a flood of made-up ones must not grow the table.
MAX_HOSTS = 64

_found: dict[tuple[str, int | str], tuple[float, Site | None]] = {}


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def forget_sites(sender, **kwargs):
    _found.clear()


def site_for(request, seconds: int) -> Site | None:
    key = (split_domain_port(request._get_raw_host())[0], request.get_port())
    now = time.monotonic()
    found = _found.get(key)
    if found is None or found[0] <= now:
        if len(_found) >= MAX_HOSTS:
            _found.clear()
        found = (now + seconds, Site._find_for_request(request))
        _found[key] = found
    return found[1]


class SiteMiddleware:
    """Sets the request's site where Wagtail's `Site.find_for_request` looks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.CHROME_SECONDS
        if seconds:
            request._wagtail_site = site_for(request, seconds)
        return self.get_response(request)
