"""The search results page: segmented full-text search with filters, newest first."""

import datetime
import math
import re
from dataclasses import dataclass, field

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pagination import MAX_PAGE, page_number
from editions.models import City
from news.models import ArticlePage, ChannelPage
from search.highlight import highlight, plain_text, snippet
from search.segment import query_words

PER_PAGE = 20
# Ranking scores every match (on SQLite ~3 ms each): offered up to this many.
RELEVANCE_LIMIT = 200
# Matches are counted up to this many ("more than 10000 results"): counting every
# match of a common word in a million articles took seconds (docs/benchmarks.md),
# and nobody pages through 500 pages of results.
COUNT_LIMIT = 10_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Filters:
    channel: ChannelPage | None = None
    city: City | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "newest"
    notices: list[str] = field(default_factory=list)


def parse_date(raw: str) -> datetime.date | None:
    """A YYYY-MM-DD date; None for one outside the years any story can carry."""
    if not _DATE.fullmatch(raw):
        raise ValueError(raw)
    day = datetime.date.fromisoformat(raw)
    return day if 1900 <= day.year < 9999 else None


def parse_filters(params, channels, cities) -> Filters:
    """The filters asked for; an invalid one is dropped with a notice."""
    filters = Filters(
        sort="relevance" if params.get("sort") == "relevance" else "newest"
    )
    if slug := params.get("channel", ""):
        filters.channel = next((c for c in channels if c.slug == slug), None)
        if filters.channel is None:
            filters.notices.append(_("Unknown channel; searching all channels."))
    if slug := params.get("city", ""):
        filters.city = next((c for c in cities if c.slug == slug), None)
        if filters.city is None:
            filters.notices.append(_("Unknown city; searching all cities."))
    for name in ("from", "to"):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            setattr(filters, f"date_{name}", parse_date(raw))
        except ValueError:
            filters.notices.append(
                _("Dates are written like 2025-01-31; the date was ignored.")
            )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        filters.date_from, filters.date_to = filters.date_to, filters.date_from
    return filters


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_articles(filters: Filters):
    articles = ArticlePage.objects.live()
    if filters.channel:
        articles = articles.filter(channel=filters.channel)
    if filters.city:
        articles = articles.filter(pk__in=filters.city.articles.values("pk"))
    if filters.date_from:
        articles = articles.filter(published_at__gte=day_start(filters.date_from))
    if filters.date_to:
        next_day = filters.date_to + datetime.timedelta(days=1)
        articles = articles.filter(published_at__lt=day_start(next_day))
    return articles


def page_url(params, number: int) -> str:
    params = params.copy()
    params["page"] = str(number)
    return "?" + params.urlencode()


def search(request):
    query = request.GET.get("q", "").strip()
    words = query_words(query)
    channels = list(ChannelPage.objects.live().order_by("path").only("slug", "title"))
    cities = list(City.objects.all())
    filters = parse_filters(request.GET, channels, cities)
    results, count, number, last = [], 0, 1, 1
    count_capped = False
    relevance_allowed = False
    if words:
        articles = filtered_articles(filters)
        listed = articles.for_listing().defer(None)
        # "-id", not "-pk": search backends order only by indexed filter fields.
        # One search for the count and the newest-first page: the query is
        # segmented once, and on PostgreSQL its sparse matches read once.
        newest = listed.order_by("-published_at", "-id").search(
            query, order_by_relevance=False
        )
        # A sliced search counts inside a LIMIT, on both backends.
        count = newest[: COUNT_LIMIT + 1].count()
        count_capped = count > COUNT_LIMIT
        count = min(count, COUNT_LIMIT)
        relevance_allowed = count <= RELEVANCE_LIMIT
        by_relevance = filters.sort == "relevance" and relevance_allowed
        if filters.sort == "relevance" and not relevance_allowed:
            filters.notices.append(
                _("Too many results to rank by relevance; showing the newest first.")
            )
        last = min(max(math.ceil(count / PER_PAGE), 1), MAX_PAGE)
        number = min(page_number(request), last)
        offset = (number - 1) * PER_PAGE
        if by_relevance:
            found = listed.order_by().search(query, order_by_relevance=True)
        else:
            found = newest
        results = list(found[offset : offset + PER_PAGE])
        for article in results:
            article.title_marked = highlight(article.title, words)
            text = f"{article.summary} {plain_text(article.body.raw_data)}".strip()
            article.snippet = snippet(text, words)
    return TemplateResponse(
        request,
        "search/results.html",
        {
            "query": query,
            "has_words": bool(words),
            "results": results,
            "result_count": count,
            "count_capped": count_capped,
            "filters": filters,
            "channels": channels,
            "cities": cities,
            "relevance_allowed": relevance_allowed,
            "relevance_limit": RELEVANCE_LIMIT,
            "page_number": number,
            "page_count": last,
            "previous_url": page_url(request.GET, number - 1) if number > 1 else "",
            "next_url": page_url(request.GET, number + 1) if number < last else "",
        },
    )
