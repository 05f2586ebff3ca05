"""Whether any page is private, known without a query on every page view.

Wagtail checks a page's view restrictions before serving it, which reads the page's
ancestors and their restrictions (two queries, about a sixth of an uncached article
page). A news portal rarely restricts a page, so its pages ask first whether there
are any restrictions at all: a flag in the shared cache, dropped on commit whenever
a restriction is added, changed or removed, and read again after `CHROME_SECONDS`
whatever happens.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction

KEY = "core:any-view-restriction"


def shared_cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def any_view_restrictions() -> bool:
    seconds = settings.CHROME_SECONDS
    if not seconds:
        return PageViewRestriction.objects.exists()
    store = shared_cache()
    found = store.get(KEY)
    if found is None:
        found = PageViewRestriction.objects.exists()
        store.set(KEY, found, seconds)
    return found


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def restrictions_changed(sender, **kwargs):
    transaction.on_commit(lambda: shared_cache().delete(KEY))


class ViewRestrictionsMixin:
    """For every page model of ours: no restriction query while none exist."""

    def get_view_restrictions(self):
        if not any_view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
