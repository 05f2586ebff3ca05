"""What huaxun's outgoing HTTP clients (weather and rates, republishing) share: the
User-Agent they announce and how they read a Retry-After header."""

import datetime
import email.utils
import functools
import importlib.metadata
import tomllib

from django.conf import settings


@functools.cache
def _version() -> str:
    try:
        return importlib.metadata.version("huaxun")
    except importlib.metadata.PackageNotFoundError:
        # A plain checkout is not installed as a distribution.
        try:
            with open(settings.BASE_DIR / "pyproject.toml", "rb") as file:
                return tomllib.load(file)["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def user_agent(purpose: str) -> str:
    return f"huaxun/{_version()} (+{settings.SITE_BASE_URL}) {purpose}"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta or HTTP date), if readable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
