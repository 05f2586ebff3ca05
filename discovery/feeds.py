"""RSS 2.0 feed of one 专题's articles, in the editor's order."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.models import SiteSettings
from discovery.models import TopicPage
from news.feeds import FeedScope, LatestArticlesFeed

TOPIC_FEED_SIZE = 60


@dataclass
class TopicScope(FeedScope):
    topic: TopicPage | None = None


class TopicFeed(LatestArticlesFeed):
    def get_object(self, request, slug: str) -> TopicScope:
        topic = get_object_or_404(TopicPage.objects.live().public(), slug=slug)
        return TopicScope(settings=SiteSettings.current(request), topic=topic)

    def title(self, scope: TopicScope) -> str:
        return _("%(site)s topic: %(topic)s") % {
            "site": scope.settings.site_name,
            "topic": scope.topic.title,
        }

    def link(self, scope: TopicScope) -> str:
        return scope.topic.url

    def description(self, scope: TopicScope) -> str:
        return scope.topic.search_description or scope.topic.title

    def items(self, scope: TopicScope):
        return scope.topic.articles()[:TOPIC_FEED_SIZE]
