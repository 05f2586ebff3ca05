"""Keyword pages: every story carrying one keyword, and how many there are."""

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from taggit.models import Tag

from core.pagination import paginate
from news.models import ArticlePage

KEYWORD_PER_PAGE = 20


def keyword(request, slug: str):
    tag = get_object_or_404(Tag, slug=slug)
    articles = ArticlePage.objects.live().filter(keywords=tag)
    return TemplateResponse(
        request,
        "news/keyword.html",
        {
            "keyword": tag,
            "articles": paginate(request, articles.for_listing(), KEYWORD_PER_PAGE),
            "article_count": articles.count(),
        },
    )
