"""sitemap.xml for robots: an index, one sitemap of standing pages, one per month."""

import datetime
import re

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.utils import timezone
from django.views.decorators.cache import cache_page
from wagtail.models import Page

from news.models import ArchiveMonthPage, ArchiveYearPage, ArticlePage

SITEMAP_CACHE_SECONDS = 15 * 60
MONTH_SECTION = re.compile(r"^articles-(?P<year>\d{4})-(?P<month>\d{2})$")


class StandingPagesSitemap(Sitemap):
    """The home page, channels and ordinary pages: everything but the archive."""

    changefreq = "hourly"

    def items(self):
        return (
            Page.objects.live()
            .public()
            .filter(depth__gt=1)
            .not_type(ArticlePage, ArchiveYearPage, ArchiveMonthPage)
            .order_by("path")
        )

    def location(self, item) -> str:
        return item.url

    def lastmod(self, item):
        return item.last_published_at


class ArticleMonthSitemap(Sitemap):
    changefreq = "daily"

    def __init__(self, year: int, month: int):
        tz = timezone.get_current_timezone()
        self.start = datetime.datetime(year, month, 1, tzinfo=tz)
        following = (self.start + datetime.timedelta(days=32)).replace(day=1)
        self.end = following

    def items(self):
        return (
            ArticlePage.objects.live()
            .public()
            .filter(published_at__gte=self.start, published_at__lt=self.end)
            .only("url_path", "published_at", "last_published_at")
            .order_by("published_at", "pk")
        )

    def location(self, item) -> str:
        return item.url

    def lastmod(self, item):
        return item.last_published_at or item.published_at


def sections() -> dict[str, Sitemap]:
    months = ArticlePage.objects.live().dates("published_at", "month", order="DESC")
    found: dict[str, Sitemap] = {"pages": StandingPagesSitemap()}
    for month in months:
        found[f"articles-{month:%Y-%m}"] = ArticleMonthSitemap(month.year, month.month)
    return found


def section_sitemap(section: str) -> Sitemap:
    if section == "pages":
        return StandingPagesSitemap()
    match = MONTH_SECTION.match(section)
    if not match or not 1 <= int(match["month"]) <= 12:
        raise Http404("no such sitemap")
    return ArticleMonthSitemap(int(match["year"]), int(match["month"]))


@cache_page(SITEMAP_CACHE_SECONDS)
def sitemap_index(request):
    return sitemap_views.index(request, sections(), sitemap_url_name="sitemap_section")


@cache_page(SITEMAP_CACHE_SECONDS)
def sitemap_section(request, section: str):
    return sitemap_views.sitemap(
        request, {section: section_sitemap(section)}, section=section
    )
