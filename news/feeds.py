"""RSS 2.0 feeds: the whole site, and one per channel."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from core.models import SiteSettings
from news.models import ArticlePage, ChannelPage

FEED_SIZE = 30


@dataclass
class FeedScope:
    """What one request's feed covers; Feed instances are shared between requests."""

    settings: SiteSettings
    channel: ChannelPage | None = None


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, *args, **kwargs) -> FeedScope:
        return FeedScope(settings=SiteSettings.current(request))

    def title(self, scope: FeedScope) -> str:
        return _("%(site)s: latest news") % {"site": scope.settings.site_name}

    def link(self, scope: FeedScope) -> str:
        return "/"

    def description(self, scope: FeedScope) -> str:
        return scope.settings.slogan or scope.settings.site_name

    def items(self, scope: FeedScope):
        articles = ArticlePage.objects.live().for_listing()
        if scope.channel is not None:
            articles = articles.filter(channel=scope.channel)
        return articles[:FEED_SIZE]

    def item_title(self, item: ArticlePage) -> str:
        return item.display_title

    def item_description(self, item: ArticlePage) -> str:
        return item.summary

    def item_link(self, item: ArticlePage) -> str:
        return item.url

    def item_pubdate(self, item: ArticlePage):
        return item.published_at

    def item_author_name(self, item: ArticlePage) -> str:
        return item.byline

    def item_categories(self, item: ArticlePage) -> list[str]:
        return [item.source.name] if item.source else []


class ChannelFeed(LatestArticlesFeed):
    def get_object(self, request, slug: str) -> FeedScope:
        channel = get_object_or_404(ChannelPage.objects.live(), slug=slug)
        return FeedScope(settings=SiteSettings.current(request), channel=channel)

    def title(self, scope: FeedScope) -> str:
        return _("%(site)s: %(channel)s") % {
            "site": scope.settings.site_name,
            "channel": scope.channel.title,
        }

    def link(self, scope: FeedScope) -> str:
        return scope.channel.url
