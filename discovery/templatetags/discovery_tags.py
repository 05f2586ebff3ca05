"""Hot lists, related stories and the keyword cloud, for any template."""

import math

from django import template

from discovery import hot, related

register = template.Library()

CLOUD_SIZES = 5


@register.inclusion_tag("discovery/includes/hot_lists.html")
def hot_lists(city=None, limit: int = 10):
    """24小时热点 and 24小时热议, site-wide or for one city."""
    return {
        "by_views": hot.hot_by_views(city=city, limit=limit),
        "by_comments": hot.hot_by_comments(city=city, limit=limit),
        "city": city,
    }


@register.inclusion_tag("discovery/includes/related.html")
def related_stories(article):
    return {"related": related.related_for_display(article)}


@register.simple_tag
def keyword_cloud(keywords) -> list[tuple]:
    """(keyword, size 1..5) pairs in the given order: size grows with the log of
    the keyword's `uses`, so one very common keyword does not flatten the rest."""
    keywords = list(keywords)
    if not keywords:
        return []
    counts = [max(1, keyword.uses) for keyword in keywords]
    low, high = math.log(min(counts)), math.log(max(counts))
    spread = high - low
    cloud = []
    for keyword, count in zip(keywords, counts, strict=True):
        share = (math.log(count) - low) / spread if spread else 0.5
        cloud.append((keyword, 1 + round(share * (CLOUD_SIZES - 1))))
    return cloud
