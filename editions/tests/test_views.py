"""The city switcher, the per-city header fragment and city pages."""

import pytest
from bs4 import BeautifulSoup

from editions.tests.factories import (
    CityFactory,
    ExchangeRateFactory,
    WeatherReadingFactory,
)
from news.tests.factories import make_article

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "lxml")


def header_text(response, selector: str) -> str | None:
    node = soup(response).select_one(f".site-header {selector}")
    return node.get_text(strip=True) if node else None


@pytest.fixture
def perth(home):
    city = CityFactory(slug="perth", name="珀斯", time_zone="Australia/Perth")
    WeatherReadingFactory(city=city, temp_min="15.0", temp_max="28.5")
    return city


def test_choosing_a_city_sets_a_cookie_and_goes_back(client, perth):
    response = client.get(
        "/city/choose/?city=perth", HTTP_REFERER="http://testserver/australia/"
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/australia/"
    assert response.cookies["city"].value == "perth"
    assert response.cookies["city"]["samesite"] == "Lax"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_choosing_a_city_never_redirects_off_site(client, perth, target):
    response = client.get("/city/choose/", {"city": "perth", "next": target})
    assert response["Location"] == "/"


def test_an_unknown_city_means_the_default_city(client, city, perth):
    response = client.get("/city/choose/?city=atlantis")
    assert response.cookies["city"].value == city.slug
    widget = client.get("/city/widget/atlantis/")
    assert soup(widget).select_one(".city-name").get_text(strip=True) == "悉尼"


def test_the_widget_fragment_shows_that_citys_weather_and_rate(client, perth):
    ExchangeRateFactory(rate="4.6999")
    response = client.get("/city/widget/perth/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert "Vary" not in response or "Cookie" not in response["Vary"]
    page = soup(response)
    assert page.select_one(".city-name").get_text(strip=True) == "珀斯"
    assert page.select_one(".weather").get_text(strip=True) == "15.0°C-28.5°C"
    assert page.select_one(".rate").get_text(strip=True) == "澳元 : 人民币=4.70"


def test_pages_render_the_default_city_whatever_the_cookie(client, city, perth):
    client.cookies["city"] = "perth"
    response = client.get("/")
    assert header_text(response, ".city-name") == "悉尼"


def test_the_header_hides_weather_and_rate_that_are_missing(client, home):
    response = client.get("/")
    assert header_text(response, ".city-name") == "悉尼"
    assert header_text(response, ".weather") is None
    assert header_text(response, ".rate") is None


def test_city_page_lists_local_news(client, channel, perth):
    make_article(channel, title="珀斯本地新闻", slug="perth-local", cities=[perth])
    make_article(channel, title="别的城市", slug="elsewhere")
    page = soup(client.get("/city/perth/"))
    assert page.select_one("h1").get_text(strip=True) == "珀斯本地新闻"
    titles = [t.get_text(strip=True) for t in page.select(".story-title")]
    assert titles == ["珀斯本地新闻"]
    assert client.get("/city/atlantis/").status_code == 404
