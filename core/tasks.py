"""Background work of the site shell."""

from django.conf import settings
from django.utils.encoding import iri_to_uri
from django_tasks import task
from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

from variants.conversion import VARIANTS


@task()
def purge_frontend_cache(paths: list[str]) -> int:
    """Ask the CDN to drop these paths in every script variant; returns how many."""
    base = settings.SITE_BASE_URL.rstrip("/")
    prefixes = [variant.prefix for variant in VARIANTS.values()]
    urls = [
        iri_to_uri(f"{base}{prefix}{path}") for path in paths for prefix in prefixes
    ]
    purge_urls_from_cache(urls)
    return len(urls)
