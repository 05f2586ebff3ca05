"""The city switcher, the per-city header fragment, and city pages."""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from core.models import SiteSettings
from core.pagination import paginate
from editions.models import City
from news.models import ArticlePage, ChannelPage

CITY_COOKIE = "city"
CITY_COOKIE_AGE = 365 * 24 * 3600
CITY_PER_PAGE = 20
CITY_PER_CHANNEL = 4


@require_GET
def choose_city(request):
    """Remember the reader's city in a cookie and go back where they were."""
    default = SiteSettings.current(request).default_city
    city = City.objects.get_or_default(request.GET.get("city"), default)
    # Links in the cached header carry no `next`; the page they sit on is the referer.
    target = request.GET.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if city is not None:
        response.set_cookie(
            CITY_COOKIE, city.slug, max_age=CITY_COOKIE_AGE, samesite="Lax"
        )
    return response


@require_GET
@cache_control(public=True, max_age=300)
def header_widget(request, slug: str):
    """The date, weather and rate for one city: the same for every reader of it."""
    default = SiteSettings.current(request).default_city
    city = City.objects.get_or_default(slug, default)
    context = {"city": city}
    if city is not None:
        context |= {"weather": city.current_weather(), "rate": city.current_rate()}
    return TemplateResponse(request, "editions/header_widget.html", context)


@require_GET
def city_page(request, slug: str):
    """Local news, the week's forecast and a month of rates, in fixed queries."""
    city = get_object_or_404(City, slug=slug)
    live = ArticlePage.objects.live().for_listing()
    articles = paginate(request, live.in_city(city), CITY_PER_PAGE)
    context = {"city": city, "articles": articles}
    if articles.number == 1:
        # Later pages are just the list, as on the front page.
        by_channel = live.top_per_channel(CITY_PER_CHANNEL)
        channels = ChannelPage.objects.live().in_menu().order_by("path")
        context.update(
            forecast=city.forecast(),
            rate=city.current_rate(),
            rate_history=city.rate_history(),
            channel_blocks=[
                (channel, by_channel[channel.pk])
                for channel in channels
                if channel.pk in by_channel
            ],
        )
    return TemplateResponse(request, "editions/city.html", context)
