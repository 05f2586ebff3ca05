"""What the header and footer of every page need, read only when a template asks.

The header and footer are the same on every page of a site: its settings, the
default city with its weather and rate, the channel menu, the footer pages and the
friendly links, eight queries. They are read once into a snapshot kept in the cache
for `CHROME_SECONDS` and replaced at once when any of them changes
(`chrome_changed`, called from core.invalidation), so an uncached page runs only
its own queries. It lives in the page cache's store, which every process shares
(Redis, or files in the embedded default): a change saved by a task worker or by
another app server's process must reach them all.
"""

import uuid
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings as django_settings
from django.core.cache import caches
from django.utils import timezone
from wagtail.models import Page, Site

from comments.models import CommentSettings
from core.models import FriendlyLink, SiteSettings
from editions.models import City, ExchangeRate, WeatherReading
from news.models import ChannelPage

VERSION_KEY = "core:chrome-version"


@dataclass
class Snapshot:
    settings: SiteSettings
    city: City | None
    weather: WeatherReading | None
    rate: ExchangeRate | None
    cities: list[City]
    channels: list[ChannelPage]
    friendly_links: list[FriendlyLink]
    footer_pages: list[Page]
    app_url: str
    comment_settings: CommentSettings


def shared_cache():
    return caches[django_settings.PAGE_CACHE_ALIAS]


def chrome_changed() -> None:
    """Every site's snapshot is out of date: the next page reads a new one."""
    shared_cache().set(VERSION_KEY, uuid.uuid4().hex, None)


def app_download_url(request, settings: SiteSettings) -> str:
    """The app's own page where there is one, else a store's."""
    page = settings.app_download_page if settings.app_download_page_id else None
    if page is not None and page.live:
        return page.get_url(request)
    return settings.app_store_url or settings.google_play_url


def read_snapshot(request) -> Snapshot:
    settings = SiteSettings.current(request)
    city = settings.default_city or City.objects.first()
    wanted = [
        settings.privacy_page_id,
        settings.contact_page_id,
        settings.business_page_id,
        settings.careers_page_id,
    ]
    found = Page.objects.live().in_bulk([pk for pk in wanted if pk])
    return Snapshot(
        settings=settings,
        city=city,
        weather=city.current_weather() if city else None,
        rate=city.current_rate() if city else None,
        cities=list(City.objects.all()),
        channels=list(ChannelPage.objects.live().in_menu().order_by("path")),
        friendly_links=list(FriendlyLink.objects.all()),
        footer_pages=[found[pk] for pk in wanted if pk in found],
        app_url=app_download_url(request, settings),
        comment_settings=CommentSettings.current(request),
    )


def snapshot(request) -> Snapshot:
    """The site's snapshot, its `key` naming this version of it (for fragments
    rendered from it, such as the footer)."""
    found = getattr(request, "_chrome_snapshot", None)
    if found is None:
        found = request._chrome_snapshot = read_or_keep_snapshot(request)
    return found


def read_or_keep_snapshot(request) -> Snapshot:
    seconds = django_settings.CHROME_SECONDS
    if not seconds:
        found = read_snapshot(request)
        found.key = uuid.uuid4().hex
        return found
    cache = shared_cache()
    site = Site.find_for_request(request)
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY, "")
    key = f"core:chrome:{version}:{site.pk if site else 0}"
    found = cache.get(key)
    if found is None:
        found = read_snapshot(request)
        cache.set(key, found, seconds)
    found.key = key
    return found


class SiteChrome:
    def __init__(self, request):
        self.request = request

    @cached_property
    def snapshot(self) -> Snapshot:
        return snapshot(self.request)

    @property
    def settings(self) -> SiteSettings:
        return self.snapshot.settings

    @property
    def city(self) -> City | None:
        return self.snapshot.city

    @property
    def weather(self) -> WeatherReading | None:
        return self.snapshot.weather

    @property
    def rate(self) -> ExchangeRate | None:
        return self.snapshot.rate

    @property
    def cities(self) -> list[City]:
        return self.snapshot.cities

    @property
    def channels(self) -> list:
        return self.snapshot.channels

    @property
    def app_url(self) -> str:
        return self.snapshot.app_url

    @property
    def friendly_links(self) -> list[FriendlyLink]:
        return self.snapshot.friendly_links

    @property
    def footer_pages(self) -> list:
        return self.snapshot.footer_pages

    @property
    def key(self) -> str:
        return self.snapshot.key

    @property
    def fragment_seconds(self) -> int:
        return django_settings.FRAGMENT_SECONDS

    @cached_property
    def year(self) -> int:
        return timezone.localdate().year


def site_chrome(request) -> dict:
    return {"chrome": SiteChrome(request)}
