"""Rate limits that answer 429 with Retry-After, on django-ratelimit's cache counters.

Client addresses come from REMOTE_ADDR unless a trusted proxy header is configured;
a header the proxy does not set would let anyone choose their own address.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django_ratelimit.core import get_usage


class RateLimited(Exception):
    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"rate limit {scope} exceeded; retry after {retry_after}s")
        self.scope = scope
        self.retry_after = max(1, int(retry_after))


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the configured proxy header's entry."""
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        # Each trusted proxy appends the address it saw; count from the right so a
        # client cannot prepend a forged one.
        hops = [hop.strip() for hop in request.META.get(meta_key, "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= settings.TRUSTED_PROXY_COUNT:
            candidate = hops[-settings.TRUSTED_PROXY_COUNT]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def limit(
    request: HttpRequest,
    scope: str,
    key: str | Callable = "ip",
    *,
    increment: bool = True,
) -> None:
    """Count a hit on `scope` (a key of settings.RATE_LIMITS); raise past its rate.

    `key` is django-ratelimit's key: "ip", "user", or a callable(group, request).
    """
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    usage = get_usage(
        request, group=f"huaxun.{scope}", key=key, rate=rate, increment=increment
    )
    if usage and usage["should_limit"]:
        raise RateLimited(scope, usage["time_left"])


def fixed_key(value: str) -> Callable:
    """A django-ratelimit key that counts on `value` (an account, an e-mail)."""
    return lambda group, request: value


class RateLimitMiddleware:
    """Turns RateLimited into a 429 page in Chinese with a Retry-After header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        minutes = -(-exception.retry_after // 60)
        response = TemplateResponse(
            request,
            "429.html",
            {"retry_after": exception.retry_after, "minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(exception.retry_after)
        response["Cache-Control"] = "no-store"
        return response.render()
