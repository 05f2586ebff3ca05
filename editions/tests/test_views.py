"""The city switcher, the per-city header fragment and city pages."""

import datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from editions.models import City, RejectedReading, previous_business_day
from editions.templatetags.editions_tags import BOTTOM, LEFT, RIGHT, TOP
from editions.tests.factories import (
    CityFactory,
    ExchangeRateFactory,
    WeatherReadingFactory,
)
from news.tests.factories import ChannelPageFactory, make_article

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
    titles = [t.get_text(strip=True) for t in page.select(".city-news .story-title")]
    assert titles == ["珀斯本地新闻"]
    assert client.get("/city/atlantis/").status_code == 404


# --- Header freshness ------------------------------------------------------------

WEEKDAYS = "星期一 星期二 星期三 星期四 星期五 星期六 星期日".split()


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def month_day(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def time_label(moment: datetime.datetime, city: City) -> str:
    local = moment.astimezone(city.tzinfo)
    if local.date() == city.local_today:
        return f"{local:%H:%M}"
    return f"{month_day(local)} {local:%H:%M}"


def widget(client, city: City) -> BeautifulSoup:
    return soup(client.get(f"/city/widget/{city.slug}/"))


def test_the_widget_carries_exact_values_in_data_attributes(client, perth):
    rate = ExchangeRateFactory(rate="4.732149")
    page = widget(client, perth)
    weather = page.select_one(".weather")
    assert (weather["data-min"], weather["data-max"]) == ("15.0", "28.5")
    assert weather["data-date"] == perth.local_today.isoformat()
    rate_node = page.select_one(".rate")
    assert rate_node["data-rate"] == "4.7321"
    assert rate_node["data-date"] == rate.rate_date.isoformat()
    assert (rate_node["data-base"], rate_node["data-quote"]) == ("AUD", "CNY")
    assert rate_node.get_text(strip=True) == "澳元 : 人民币=4.73"
    # Fresh readings carry no "updated at" marker.
    assert page.select(".as-of") == []


def test_a_stale_forecast_says_when_it_was_updated(client, perth, settings):
    settings.WEATHER_REFRESH_SECONDS = 1800
    fetched = ago(minutes=61)
    perth.weather.update(fetched_at=fetched)

    page = widget(client, perth)

    assert page.select_one(".weather").get_text(strip=True) == "15.0°C-28.5°C"
    marker = page.select_one(".weather + .as-of")
    assert marker is not None
    assert marker.get_text(strip=True).endswith(time_label(fetched, perth))


def test_a_forecast_fetched_on_an_earlier_day_shows_the_date(client, perth):
    fetched = ago(hours=30)
    perth.weather.update(fetched_at=fetched)

    marker = widget(client, perth).select_one(".as-of")

    label = time_label(fetched, perth)
    assert "月" in label and marker.get_text(strip=True).endswith(label)


def test_readings_older_than_48_hours_are_hidden(client, perth):
    perth.weather.update(fetched_at=ago(hours=49))
    ExchangeRateFactory(fetched_at=ago(hours=49))

    page = widget(client, perth)

    assert page.select_one(".weather") is None
    assert page.select_one(".rate") is None
    assert page.select_one(".city-name").get_text(strip=True) == "珀斯"


def test_the_last_business_days_rate_is_current(client, perth):
    last = previous_business_day(perth.local_today)
    ExchangeRateFactory(rate_date=last)
    page = widget(client, perth)
    assert page.select_one(".rate")["data-date"] == last.isoformat()
    assert page.select_one(".as-of") is None


def test_an_older_rate_says_which_day_it_is_from(client, perth):
    older = previous_business_day(previous_business_day(perth.local_today))
    ExchangeRateFactory(rate_date=older, fetched_at=ago(hours=20))
    page = widget(client, perth)
    marker = page.select_one(".rate + .as-of")
    assert marker.get_text(strip=True).endswith(month_day(older))


def test_an_unconfirmed_rate_is_never_shown(client, perth):
    ExchangeRateFactory(rate="4.70", rate_date=perth.local_today.replace(day=1))
    ExchangeRateFactory(rate="9.90", provider="rba", confirmed=False)
    assert widget(client, perth).select_one(".rate")["data-rate"] == "4.7000"


# --- The city page ---------------------------------------------------------------


def test_city_page_shows_the_newest_providers_week(client, perth):
    perth.weather.update(fetched_at=ago(hours=2))
    today = perth.local_today
    for offset in range(-1, 9):
        day = today + datetime.timedelta(days=offset)
        WeatherReadingFactory(
            city=perth, provider="bom", forecast_date=day, fetched_at=ago(hours=1)
        )
        WeatherReadingFactory(
            city=perth,
            provider="open-meteo",
            forecast_date=day,
            temp_min=f"{10 + offset}.0",
            temp_max=f"{20 + offset}.5",
            condition="多云",
            current_temp="21.4" if offset == 0 else None,
        )

    page = soup(client.get("/city/perth/"))

    table = page.select_one(".forecast-table")
    assert table["data-provider"] == "open-meteo"
    rows = table.select("tbody tr")
    assert len(rows) == 7
    days = [today + datetime.timedelta(days=n) for n in range(7)]
    assert [row["data-date"] for row in rows] == [day.isoformat() for day in days]
    assert [row.th.get_text(" ", strip=True) for row in rows] == [
        f"{month_day(day)} {WEEKDAYS[day.weekday()]}" for day in days
    ]
    assert [row.select_one(".temps").get_text(strip=True) for row in rows] == [
        f"{10 + n}.0°C-{20 + n}.5°C" for n in range(7)
    ]
    assert rows[0]["data-current"] == "21.4"
    assert "21.4" in rows[0].select_one(".now").get_text()
    assert rows[1].select_one(".now") is None
    assert "Open-Meteo" in page.select_one(".forecast .source").get_text()


def test_city_page_without_readings_says_so(client, home):
    CityFactory(slug="auckland", time_zone="Pacific/Auckland", currency="NZD")
    page = soup(client.get("/city/auckland/"))
    assert page.select_one(".forecast .empty") is not None
    assert page.select_one(".rates .rate") is None
    assert page.select_one(".rate-chart") is None
    assert page.select_one(".rate-chart-empty") is not None


def points_of(page: BeautifulSoup) -> list[tuple[float, float]]:
    raw = page.select_one(".rate-chart svg polyline")["points"].split()
    return [tuple(float(n) for n in point.split(",")) for point in raw]


def test_city_page_charts_a_month_of_confirmed_rates(client, perth):
    today = perth.local_today
    for n in range(30):
        day = today - datetime.timedelta(days=29 - n)
        ExchangeRateFactory(rate=Decimal("4.60") + Decimal(n) / 100, rate_date=day)
    # Neither an unconfirmed jump nor a rate from before the month is drawn.
    ExchangeRateFactory(rate="9.99", provider="rba", confirmed=False, rate_date=today)
    ExchangeRateFactory(rate="1.00", rate_date=today - datetime.timedelta(days=40))

    page = soup(client.get("/city/perth/"))

    figure = page.select_one(".rate-chart")
    assert figure["data-points"] == "30"
    points = points_of(page)
    assert len(points) == 30
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs == sorted(xs) and len(set(xs)) == 30
    assert ys == sorted(ys, reverse=True)  # rising rates climb the chart
    assert points[0] == (LEFT, BOTTOM)
    assert points[-1] == (RIGHT, TOP)
    svg = figure.select_one("svg")
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert "澳元" in svg.select_one(f"#{title_id}").get_text()
    assert svg.select_one(f"#{desc_id}").get_text(strip=True)
    labels = {
        name: svg.select_one(f".label-{name}").get_text(strip=True)
        for name in ("min", "max", "first", "last")
    }
    assert labels == {
        "min": "4.6000",
        "max": "4.8900",
        "first": month_day(today - datetime.timedelta(days=29)),
        "last": month_day(today),
    }
    assert page.select_one(".rates .rate")["data-rate"] == "4.8900"


def test_one_rate_is_not_a_chart(client, perth):
    ExchangeRateFactory(rate_date=perth.local_today)
    page = soup(client.get("/city/perth/"))
    assert page.select_one(".rate-chart") is None
    assert page.select_one(".rate-chart-empty") is not None


def test_city_page_shows_the_other_channels_latest(client, channel, perth):
    finance = ChannelPageFactory(
        parent=channel.get_parent(), title="财经", slug="fin", show_in_menus=True
    )
    for n in range(6):
        make_article(finance, title=f"财经{n}", slug=f"fin-{n}")
    page = soup(client.get("/city/perth/"))
    blocks = {
        block.select_one("h2").get_text(strip=True): [
            t.get_text(strip=True) for t in block.select(".story-title")
        ]
        for block in page.select(".channel-block")
    }
    assert blocks == {"财经": ["财经5", "财经4", "财经3", "财经2"]}


@pytest.mark.parametrize(
    "url",
    [
        "/city/atlantis/",
        "/city/%E6%82%89%E5%B0%BC/",
        "/city/perth%20/",
        "/city/../perth/",
        "/city/perth/?page=9999",
    ],
)
def test_bad_city_urls_are_404(client, perth, url):
    assert client.get(url).status_code == 404


def test_a_bad_page_number_means_page_one(client, perth):
    assert client.get("/city/perth/?page=abc").status_code == 200
    assert client.get("/city/perth/?page=-1").status_code == 200


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_city_page_queries_do_not_grow(client, channel, perth):
    for n in range(3):
        make_article(channel, slug=f"few-{n}", cities=[perth])
    ExchangeRateFactory(rate_date=perth.local_today)
    client.get("/city/perth/")
    few = query_count(client, "/city/perth/")

    other = ChannelPageFactory(
        parent=channel.get_parent(), title="财经", slug="fin", show_in_menus=True
    )
    for n in range(15):
        make_article(channel, slug=f"many-{n}", cities=[perth])
        make_article(other, slug=f"fin-{n}")
    today = perth.local_today
    for n in range(1, 30):
        ExchangeRateFactory(rate_date=today - datetime.timedelta(days=n))
    for n in range(1, 7):
        day = today + datetime.timedelta(days=n)
        WeatherReadingFactory(city=perth, forecast_date=day)
        WeatherReadingFactory(city=perth, forecast_date=day, provider="bom")

    client.get("/city/perth/")
    assert query_count(client, "/city/perth/") == few
    assert few <= 20


# --- The admin ---------------------------------------------------------------------


def test_cities_are_edited_in_the_admin(admin_client, perth):
    listing = soup(admin_client.get("/admin/snippets/editions/city/"))
    assert "珀斯" in listing.get_text()
    form = soup(admin_client.get(f"/admin/snippets/editions/city/edit/{perth.pk}/"))
    names = {field.get("name") for field in form.select("input, select")}
    assert {"weather_provider", "bom_product_id", "bom_location_aac"} <= names


def test_bom_needs_its_codes(perth):
    perth.weather_provider = "bom"
    perth.bom_location_aac = "WA_PT053"
    with pytest.raises(ValidationError) as error:
        perth.full_clean()
    assert set(error.value.message_dict) == {"bom_product_id"}
    perth.bom_product_id, perth.bom_location_aac = "IDW14199", "WA_PT053"
    perth.full_clean()


def test_rejected_readings_can_be_inspected_not_added(admin_client):
    rejected = RejectedReading.objects.create(
        kind="weather", provider="open-meteo", payload={"temp_min": "NaN"}, reason="x"
    )
    base = "/admin/snippets/editions/rejectedreading/"
    assert "open-meteo" in admin_client.get(base).content.decode()
    inspect = admin_client.get(f"{base}inspect/{rejected.pk}/")
    assert inspect.status_code == 200 and "NaN" in inspect.content.decode()
    assert admin_client.get(f"{base}add/").status_code in (302, 403)
    assert admin_client.get(f"{base}edit/{rejected.pk}/").status_code in (302, 403)
