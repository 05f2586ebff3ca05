"""The HTML site map (网站地图) and the page for a refused form (CSRF)."""

from django.db.models import Count
from django.template.response import TemplateResponse
from taggit.models import Tag
from wagtail.models import Page

from core.models import StandardPage
from editions.models import City
from news.models import ChannelPage

SITEMAP_KEYWORDS = 60


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token: say so in Chinese, change nothing."""
    return TemplateResponse(request, "403_csrf.html", status=403)


def site_map(request):
    channels = ChannelPage.objects.live().public().order_by("path")
    pages = Page.objects.live().public().type(StandardPage).order_by("path")
    keywords = (
        Tag.objects.annotate(uses=Count("news_articlekeyword_items"))
        .filter(uses__gt=0)
        .order_by("-uses", "name")[:SITEMAP_KEYWORDS]
    )
    return TemplateResponse(
        request,
        "core/site_map.html",
        {
            "channels": channels,
            "pages": pages,
            "keywords": keywords,
            "cities": City.objects.all(),
        },
    )
