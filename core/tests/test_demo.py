"""The demo portal: complete, written for the project, and the same after a rerun."""

import pytest
from django.core.management import call_command
from wagtail.models import Page

from core.models import FriendlyLink, SiteSettings
from editions.models import City, ExchangeRate, WeatherReading
from news.models import ArticlePage, ChannelPage

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "pages": sorted(Page.objects.values_list("pk", "url_path", "title", "live")),
        "cities": City.objects.count(),
        "weather": WeatherReading.objects.count(),
        "rates": ExchangeRate.objects.count(),
        "links": FriendlyLink.objects.count(),
        "keywords": sorted(
            (a.pk, tuple(sorted(a.keywords.names()))) for a in ArticlePage.objects.all()
        ),
    }


def test_demo_builds_a_complete_portal_and_is_idempotent(client):
    call_command("load_demo")
    first = snapshot()

    articles = ArticlePage.objects.live()
    assert articles.count() >= 40
    assert ChannelPage.objects.live().count() == 10
    assert City.objects.count() == 8
    photo_sets = [
        a for a in articles.filter(is_photo_set=True) if len(a.body_image_ids()) >= 5
    ]
    assert len(photo_sets) >= 2
    # The browser test opens the newest photo set: it must show the republish parts.
    newest = max(photo_sets, key=lambda article: article.published_at)
    assert newest.is_republished and newest.original_url
    assert articles.filter(is_republished=True, source__isnull=False).exists()
    assert articles.filter(is_republished=False).exists()
    assert all(a.keywords.exists() for a in articles)
    assert all(city.current_weather() for city in City.objects.all())
    assert City.objects.first().current_rate() is not None

    settings = SiteSettings.objects.get()
    empty = [
        field.name
        for field in SiteSettings._meta.get_fields()
        if field.concrete and getattr(settings, field.attname) in ("", None)
    ]
    assert empty == []

    call_command("load_demo")
    assert snapshot() == first

    response = client.get(photo_sets[0].url)
    assert response.status_code == 200
    assert "(组图)" in response.content.decode()
