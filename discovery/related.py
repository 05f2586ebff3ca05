"""相关新闻: worked out when an article is published, never while a reader waits.

Stories sharing the most keywords come first, then stories sharing the most of the
article's top TF-IDF terms (stored per article, so the lookup is an indexed join),
newest first among equals."""

import html
import logging

from django.db import transaction
from django.db.models import Count, Max
from django.utils.html import strip_tags

from discovery.models import ArticleTerm, RelatedArticle
from news.models import ArticleKeyword, ArticlePage

RELATED_LIMIT = 6
TERM_COUNT = 10
TERM_POS = ("n", "nr", "ns", "nt", "nz", "vn")

logging.getLogger("jieba").setLevel(logging.WARNING)


def article_text(article) -> str:
    paragraphs = [
        html.unescape(strip_tags(block.get("value") or ""))
        for block in article.body.raw_data
        if block.get("type") == "paragraph" and isinstance(block.get("value"), str)
    ]
    return "\n".join([article.title, article.title, article.summary, *paragraphs])


def top_terms(text: str, count: int = TERM_COUNT) -> list[str]:
    """The `count` most telling words of `text` by jieba's TF-IDF."""
    import jieba.analyse  # on first use: it loads its IDF table when imported

    terms = jieba.analyse.extract_tags(text, topK=count, allowPOS=TERM_POS)
    return [term[:32] for term in terms if len(term) >= 2 and not term.isdigit()]


def store_terms(article) -> list[str]:
    terms = top_terms(article_text(article))
    ArticleTerm.objects.filter(article=article).delete()
    ArticleTerm.objects.bulk_create(
        [ArticleTerm(article=article, term=term) for term in terms],
        ignore_conflicts=True,
    )
    return terms


def _ranked(rows, article_field: str, limit: int) -> list[int]:
    """Article ids from (article, shares) rows, most shared then newest first."""
    ranked = (
        rows.values(article_field)
        .annotate(shared=Count("pk"), newest=Max(f"{article_field}__published_at"))
        .order_by("-shared", "-newest", f"-{article_field}")[:limit]
    )
    return [row[article_field] for row in ranked]


def related_ids(article, terms: list[str] | None = None) -> list[int]:
    """Up to RELATED_LIMIT live stories related to `article`, best first."""
    if terms is None:
        terms = list(
            ArticleTerm.objects.filter(article=article).values_list("term", flat=True)
        )
    chosen: list[int] = []
    tag_ids = list(
        ArticleKeyword.objects.filter(content_object=article).values_list(
            "tag_id", flat=True
        )
    )
    if tag_ids:
        rows = ArticleKeyword.objects.filter(
            tag_id__in=tag_ids, content_object__live=True
        ).exclude(content_object=article)
        chosen = _ranked(rows, "content_object", RELATED_LIMIT)
    if len(chosen) < RELATED_LIMIT and terms:
        rows = (
            ArticleTerm.objects.filter(term__in=terms, article__live=True)
            .exclude(article=article)
            .exclude(article__in=chosen)
        )
        chosen += _ranked(rows, "article", RELATED_LIMIT - len(chosen))
    return chosen


@transaction.atomic
def compute_related(article, *, refresh_terms: bool = True) -> list[int]:
    """Store the related stories of `article` (its terms first, when asked)."""
    terms = store_terms(article) if refresh_terms else None
    ids = related_ids(article, terms)
    RelatedArticle.objects.filter(article=article).delete()
    RelatedArticle.objects.bulk_create(
        [
            RelatedArticle(article=article, related_id=related_id, position=position)
            for position, related_id in enumerate(ids)
        ]
    )
    return ids


def related_for_display(article) -> list:
    """The stored related stories that are still live, in order; one query."""
    return list(
        ArticlePage.objects.live()
        .filter(related_in__article=article)
        .defer("body")
        .order_by("related_in__position")
    )
