"""What a change must purge, and the purge itself: our page cache, then the CDN.

An article's pages are its own, its archive month and year, its channel, the front
page, its cities' and keywords' pages, the feeds and the sitemaps (the map is in
docs/architecture.md). Keywords, cities and the channel are read both before a save
and after it, so a keyword taken off an article purges that keyword's page too.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from comments.models import CommentSettings
from core import pagecache
from core.context_processors import chrome_changed
from core.models import FriendlyLink, SiteSettings
from core.tasks import purge_frontend_cache
from editions.models import City, ExchangeRate, WeatherReading
from news.models import ArticlePage


def page_path(page) -> str | None:
    parts = page.get_url_parts()
    return parts[2] if parts else None


def article_links(article: ArticlePage) -> set[str]:
    """The paths that show this article as it is stored now."""
    paths = {"/", reverse("feed"), reverse("sitemap_index"), reverse("site_map")}
    if article.published_at:
        section = f"articles-{article.published_at:%Y-%m}"
        paths.add(reverse("sitemap_section", args=[section]))
    paths.add(reverse("sitemap_section", args=["pages"]))
    for ancestor in article.get_ancestors().filter(depth__gt=1):
        paths.add(page_path(ancestor))
    if article.channel_id:
        paths.add(reverse("channel_feed", args=[article.channel.slug]))
    for slug in article.keywords.values_list("slug", flat=True):
        paths.add(reverse("keyword", args=[slug]))
    for slug in article.cities.values_list("slug", flat=True):
        paths.add(reverse("city", args=[slug]))
    paths.add(page_path(article))
    paths.discard(None)
    return paths


def purge(paths: set[str]) -> None:
    """Purge once the change is committed, so no reader re-caches the old version."""

    def run():
        pagecache.purge_paths(paths)
        if getattr(settings, "WAGTAILFRONTENDCACHE", None):
            purge_frontend_cache.enqueue(sorted(paths))

    transaction.on_commit(run)


@receiver(pre_save)
def remember_links(sender, instance, **kwargs):
    """Note where the stored version showed, before the save changes it."""
    if not issubclass(sender, ArticlePage) or instance.pk is None:
        return
    try:
        stored = ArticlePage.objects.get(pk=instance.pk)
    except ArticlePage.DoesNotExist:
        return
    if stored.live:
        instance._links_before_save = article_links(stored)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_delete)
@receiver(post_save, sender=SiteSettings)
@receiver(post_save, sender=FriendlyLink)
@receiver(post_save, sender=City)
@receiver(post_save, sender=WeatherReading)
@receiver(post_save, sender=ExchangeRate)
@receiver(post_save, sender=CommentSettings)
def renew_chrome(sender, created=False, **kwargs):
    """The header and footer show pages (the menu, the footer links), the site's
    settings, friendly links and the default city's weather and rate; the
    snapshot also holds the comment settings the article pages read."""
    if sender is CommentSettings and created:
        # Made with its defaults by the first read (`for_site`), snapshot's own
        # included; the admin's form saves an existing row.
        return
    if sender is not None and issubclass(
        sender,
        Page
        | SiteSettings
        | FriendlyLink
        | City
        | WeatherReading
        | ExchangeRate
        | CommentSettings,
    ):
        transaction.on_commit(chrome_changed)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(pre_delete)
def purge_article(sender, instance, **kwargs):
    if not issubclass(sender, ArticlePage):
        return
    paths = set(getattr(instance, "_links_before_save", ()))
    paths |= article_links(instance)
    purge(paths)


def purge_article_comments(sender, article_id, **kwargs):
    article = ArticlePage.objects.filter(pk=article_id).first()
    if article is not None and article.live:
        purge({page_path(article)} - {None})


def city_links(cities) -> set[str]:
    """A city's page and the header fragment swapped in for its readers."""
    paths = set()
    for slug in cities.values_list("slug", flat=True):
        paths |= {reverse("city", args=[slug]), reverse("city_widget", args=[slug])}
    return paths


@receiver(post_save, sender=WeatherReading)
def purge_weather(sender, instance, **kwargs):
    # Pages that embed the default city's header refresh as their copies expire.
    purge(city_links(City.objects.filter(pk=instance.city_id)))


@receiver(post_save, sender=ExchangeRate)
def purge_rate(sender, instance, **kwargs):
    purge(city_links(City.objects.filter(currency=instance.base)))
