"""Open-Meteo and BoM forecasts parsed from replayed responses on a local server."""

import datetime
import functools
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import defusedxml
import pytest
from django.utils import translation
from werkzeug import Response

from editions import http, weather
from editions.tests.factories import CityFactory
from editions.weather import DailyForecast, Forecast, ProviderError

REPLAYS = Path(__file__).parent / "replays"
SYDNEY = datetime.timezone(datetime.timedelta(hours=11))


def replay(name: str) -> bytes:
    return (REPLAYS / name).read_bytes()


def wait_for_requests(server, count: int) -> None:
    """Let a slow handler finish so its requests do not spill into the next test."""
    give_up = time.monotonic() + 5
    while len(server.log) < count and time.monotonic() < give_up:
        time.sleep(0.05)
    assert len(server.log) == count


@pytest.fixture(autouse=True)
def english():
    # Labels are compared with their English msgids, whatever catalogues exist.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(http, "sleep", lambda seconds: None)


@pytest.fixture
def open_meteo_server(httpserver, settings):
    settings.OPEN_METEO_URL = httpserver.url_for("/v1/forecast")
    return httpserver


@pytest.fixture
def bom_server(httpserver, settings):
    settings.BOM_URL = httpserver.url_for("/fwo/")
    return httpserver


def serve_json(server, name: str) -> None:
    server.expect_request("/v1/forecast").respond_with_data(
        replay(name), content_type="application/json"
    )


def serve_xml(server, name: str, product: str = "IDN11060") -> None:
    server.expect_request(f"/fwo/{product}.xml").respond_with_data(
        replay(name), content_type="application/xml"
    )


def sydney_open_meteo() -> Forecast:
    return weather.open_meteo(
        Decimal("-33.86785"), Decimal("151.20732"), "Australia/Sydney"
    )


# --- Open-Meteo -----------------------------------------------------------------


def test_open_meteo_forecast_is_parsed(open_meteo_server, settings):
    settings.SITE_BASE_URL = "https://news.example.com"
    serve_json(open_meteo_server, "open_meteo_sydney.json")

    forecast = sydney_open_meteo()

    assert forecast == Forecast(
        provider="open-meteo",
        issued_at=None,
        current_temp=Decimal("23.4"),
        current_condition="Partly cloudy",
        days=(
            DailyForecast(
                datetime.date(2026, 11, 27),
                Decimal("17.2"),
                Decimal("25.8"),
                "Partly cloudy",
            ),
            DailyForecast(
                datetime.date(2026, 11, 28), Decimal("18.9"), Decimal("28.1"), "Clear"
            ),
            DailyForecast(
                datetime.date(2026, 11, 29), Decimal("16.1"), Decimal("22.4"), "Rain"
            ),
            DailyForecast(
                datetime.date(2026, 11, 30),
                Decimal("15.5"),
                Decimal("21.0"),
                "Thunderstorm",
            ),
            DailyForecast(
                datetime.date(2026, 12, 1), Decimal("16.8"), Decimal("24.6"), "Overcast"
            ),
            DailyForecast(
                datetime.date(2026, 12, 2), Decimal("19.4"), Decimal("30.2"), "Fog"
            ),
            DailyForecast(
                datetime.date(2026, 12, 3), Decimal("-0.3"), Decimal("26.5"), "Showers"
            ),
        ),
    )
    assert all(isinstance(day.condition, str) for day in forecast.days)


def test_open_meteo_request_names_the_point_zone_and_fields(
    open_meteo_server, settings
):
    settings.SITE_BASE_URL = "https://news.example.com"
    serve_json(open_meteo_server, "open_meteo_sydney.json")

    sydney_open_meteo()

    (request, _response) = open_meteo_server.log[0]
    assert request.path == "/v1/forecast"
    assert request.args.to_dict() == {
        "latitude": "-33.86785",
        "longitude": "151.20732",
        "daily": "temperature_2m_max,temperature_2m_min,weather_code",
        "current": "temperature_2m,weather_code",
        "timezone": "Australia/Sydney",
        "forecast_days": "7",
    }
    assert request.headers["User-Agent"].endswith(
        " (+https://news.example.com) weather-and-rates"
    )
    assert request.headers["User-Agent"].startswith("huaxun/")


def test_open_meteo_days_with_null_temperatures_are_left_out(open_meteo_server):
    serve_json(open_meteo_server, "open_meteo_nulls.json")

    forecast = sydney_open_meteo()

    assert forecast.current_temp is None
    assert forecast.current_condition == ""
    assert forecast.days == (
        DailyForecast(
            datetime.date(2026, 11, 27),
            Decimal("17.2"),
            Decimal("25.8"),
            "Partly cloudy",
        ),
        # A null weather code keeps the day, with no label.
        DailyForecast(
            datetime.date(2026, 11, 30), Decimal("15.5"), Decimal("21.0"), ""
        ),
    )


def test_open_meteo_without_daily_block_is_an_error(open_meteo_server):
    serve_json(open_meteo_server, "open_meteo_missing_daily.json")

    with pytest.raises(ProviderError, match=r"/v1/forecast: no 'daily' block"):
        sydney_open_meteo()


def test_open_meteo_truncated_json_is_an_error(open_meteo_server):
    serve_json(open_meteo_server, "open_meteo_malformed.json")

    with pytest.raises(
        ProviderError, match=r"/v1/forecast: response is not valid JSON"
    ):
        sydney_open_meteo()


@pytest.mark.parametrize(
    ("daily", "message"),
    [
        (
            {
                "time": ["2026-11-27"],
                "temperature_2m_max": [25.8],
                "temperature_2m_min": [],
                "weather_code": [2],
            },
            r"the 'daily' lists differ in length",
        ),
        (
            {
                "time": ["2026-11-27"],
                "temperature_2m_max": ["25.8"],
                "temperature_2m_min": [17.2],
                "weather_code": [2],
            },
            r"daily 2026-11-27: temperature '25.8' is not a number",
        ),
        (
            {
                "time": ["27/11/2026"],
                "temperature_2m_max": [25.8],
                "temperature_2m_min": [17.2],
                "weather_code": [2],
            },
            r"daily date '27/11/2026' is not a date",
        ),
        (
            {
                "time": ["2026-11-27"],
                "temperature_2m_max": [25.8],
                "temperature_2m_min": [17.2],
                "weather_code": ["rain"],
            },
            r"weather code 'rain' is not a whole number",
        ),
    ],
)
def test_open_meteo_wrong_types_are_errors(open_meteo_server, daily, message):
    open_meteo_server.expect_request("/v1/forecast").respond_with_json({"daily": daily})

    with pytest.raises(ProviderError, match=message):
        sydney_open_meteo()


def test_open_meteo_does_not_correct_implausible_values(open_meteo_server):
    # Checking min <= max belongs to the code that stores readings.
    open_meteo_server.expect_request("/v1/forecast").respond_with_json(
        {
            "daily": {
                "time": ["2026-11-27"],
                "temperature_2m_max": [12.0],
                "temperature_2m_min": [31.5],
                "weather_code": [42],
            }
        }
    )

    (day,) = sydney_open_meteo().days

    assert (day.temp_min, day.temp_max, day.condition) == (
        Decimal("31.5"),
        Decimal("12.0"),
        "",
    )


def test_open_meteo_server_errors_become_provider_errors(open_meteo_server):
    open_meteo_server.expect_request("/v1/forecast").respond_with_data("", status=500)

    with pytest.raises(ProviderError, match=r"/v1/forecast.*HTTP 500 after 3 attempts"):
        sydney_open_meteo()

    assert len(open_meteo_server.log) == 3


def test_open_meteo_timeouts_become_provider_errors(open_meteo_server, monkeypatch):
    monkeypatch.setattr(weather, "fetch", functools.partial(http.fetch, timeout=0.2))

    def slow(request):
        time.sleep(0.4)
        return Response("{}", content_type="application/json")

    open_meteo_server.expect_request("/v1/forecast").respond_with_handler(slow)

    with pytest.raises(ProviderError, match=r"ReadTimeout"):
        sydney_open_meteo()

    wait_for_requests(open_meteo_server, 3)


# --- Bureau of Meteorology ------------------------------------------------------


def test_bom_precis_is_parsed(bom_server):
    serve_xml(bom_server, "bom_idn11060.xml")

    forecast = weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")

    assert forecast.provider == "bom"
    assert forecast.issued_at == datetime.datetime(2026, 11, 27, 4, 20, tzinfo=SYDNEY)
    assert forecast.issued_at.utcoffset() == datetime.timedelta(hours=11)
    assert forecast.current_temp is None
    assert forecast.current_condition == "Partly cloudy"
    assert forecast.days == (
        DailyForecast(
            datetime.date(2026, 11, 27),
            Decimal("17.0"),
            Decimal("26.0"),
            "Partly cloudy",
        ),
        DailyForecast(
            datetime.date(2026, 11, 28), Decimal("18.0"), Decimal("29.0"), "Clear"
        ),
        DailyForecast(
            datetime.date(2026, 11, 29),
            Decimal("19.0"),
            Decimal("31.0"),
            "Thunderstorm",
        ),
        DailyForecast(
            datetime.date(2026, 11, 30), Decimal("16.0"), Decimal("22.0"), "Showers"
        ),
        DailyForecast(
            datetime.date(2026, 12, 1), Decimal("15.0"), Decimal("21.0"), "Cloudy"
        ),
        DailyForecast(
            datetime.date(2026, 12, 2),
            Decimal("16.0"),
            Decimal("24.0"),
            "Mainly clear",
        ),
        DailyForecast(datetime.date(2026, 12, 3), Decimal("20.0"), Decimal("35.0"), ""),
    )
    (request, _response) = bom_server.log[0]
    assert request.path == "/fwo/IDN11060.xml"
    assert request.headers["User-Agent"].startswith("huaxun/")


def test_bom_picks_the_requested_location(bom_server):
    serve_xml(bom_server, "bom_idn11060.xml")

    forecast = weather.bom("IDN11060", "NSW_PT241", "Australia/Sydney")

    assert forecast.days == (
        DailyForecast(
            datetime.date(2026, 11, 27), Decimal("16.0"), Decimal("33.0"), "Clear"
        ),
    )


def test_bom_today_without_minimum_is_left_out(bom_server):
    serve_xml(bom_server, "bom_no_min_today.xml")

    forecast = weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")

    assert forecast.issued_at == datetime.datetime(2026, 11, 27, 16, 35, tzinfo=SYDNEY)
    # Today's précis still describes the day, though its minimum has passed.
    assert forecast.current_condition == "Showers"
    # 29 Nov has no maximum and goes too.
    assert forecast.days == (
        DailyForecast(
            datetime.date(2026, 11, 28), Decimal("18.0"), Decimal("27.0"), "Windy"
        ),
    )


def test_bom_missing_location_is_an_error(bom_server):
    serve_xml(bom_server, "bom_missing_area.xml")

    with pytest.raises(
        ProviderError, match=r"IDN11060\.xml: no forecast area 'NSW_PT131'"
    ):
        weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")


def test_bom_entity_bomb_is_refused_unexpanded(bom_server):
    serve_xml(bom_server, "bom_entity_bomb.xml")

    with pytest.raises(ProviderError, match=r"refused unsafe XML") as caught:
        weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")

    # Refused at the DOCTYPE, before a single entity could be expanded.
    assert isinstance(caught.value.__cause__, defusedxml.DTDForbidden)
    assert len(str(caught.value)) < 500


def test_bom_html_error_page_is_an_error(bom_server):
    bom_server.expect_request("/fwo/IDN11060.xml").respond_with_data(
        "<html><head><title>Maintenance</title></head><body>Back soon</body></html>",
        content_type="text/html",
    )

    with pytest.raises(ProviderError, match=r"root element is <html>"):
        weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")


def test_bom_bad_temperature_is_an_error(bom_server):
    body = replay("bom_idn11060.xml").replace(
        b'"Celsius">29<', b'"Celsius">twenty-nine<'
    )
    bom_server.expect_request("/fwo/IDN11060.xml").respond_with_data(body)

    with pytest.raises(
        ProviderError, match=r"NSW_PT131 period 1: temperature 'twenty-nine'"
    ):
        weather.bom("IDN11060", "NSW_PT131", "Australia/Sydney")


def test_bom_missing_product_is_an_error(bom_server):
    bom_server.expect_request("/fwo/IDN99999.xml").respond_with_data("", status=404)

    with pytest.raises(ProviderError, match=r"IDN99999\.xml: HTTP 404"):
        weather.bom("IDN99999", "NSW_PT131", "Australia/Sydney")


def test_bom_product_id_cannot_leave_the_directory(bom_server):
    with pytest.raises(ProviderError, match=r"'../secret' is not like IDN11060"):
        weather.bom("../secret", "NSW_PT131", "Australia/Sydney")

    assert bom_server.log == []


# --- Dispatch ---------------------------------------------------------------------


def test_forecast_for_a_bom_city_reads_the_bom(bom_server):
    serve_xml(bom_server, "bom_idn11060.xml")
    city = CityFactory.build(time_zone="Australia/Sydney")
    city.weather_provider = "bom"
    city.bom_product_id = "IDN11060"
    city.bom_location_aac = "NSW_PT131"

    assert weather.forecast_for(city).provider == "bom"


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"weather_provider": "open-meteo"},
        # BoM chosen but not set up: Open-Meteo rather than nothing.
        {
            "weather_provider": "bom",
            "bom_product_id": "IDN11060",
            "bom_location_aac": "",
        },
    ],
)
def test_forecast_for_other_cities_reads_open_meteo(open_meteo_server, extra):
    serve_json(open_meteo_server, "open_meteo_sydney.json")
    city = SimpleNamespace(
        latitude=Decimal("-33.86785"),
        longitude=Decimal("151.20732"),
        time_zone="Australia/Sydney",
        **extra,
    )

    assert weather.forecast_for(city).provider == "open-meteo"
    (request, _response) = open_meteo_server.log[0]
    assert request.args["latitude"] == "-33.86785"
