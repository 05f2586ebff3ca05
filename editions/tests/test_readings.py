"""Storing forecasts and rates: what passes the checks is kept, the rest is logged."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.utils import timezone

from editions import rates, weather
from editions.models import ExchangeRate, RejectedReading, WeatherReading
from editions.rates import RateQuote
from editions.readings import store_forecast, store_rates
from editions.tasks import refresh_rates, refresh_weather
from editions.tests.factories import (
    CityFactory,
    ExchangeRateFactory,
    WeatherReadingFactory,
)
from editions.weather import DailyForecast, Forecast

pytestmark = pytest.mark.django_db

D = Decimal


def week(city, *temps: tuple[str, str], start: int = 0) -> tuple[DailyForecast, ...]:
    today = city.local_today
    return tuple(
        DailyForecast(
            date=today + datetime.timedelta(days=start + n),
            temp_min=D(low),
            temp_max=D(high),
            condition="Clear",
        )
        for n, (low, high) in enumerate(temps)
    )


def forecast(days, current="21.4", provider="open-meteo") -> Forecast:
    return Forecast(
        provider=provider,
        issued_at=timezone.now() - datetime.timedelta(minutes=20),
        current_temp=None if current is None else D(current),
        current_condition="Partly cloudy",
        days=days,
    )


@pytest.fixture
def sydney(db):
    return CityFactory(slug="sydney", name="悉尼")


def test_a_good_forecast_is_stored_with_todays_current_values(sydney):
    days = week(sydney, *[("17.04", "26.06")] * 7)

    counts = store_forecast(sydney, forecast(days))

    assert counts == {"stored": 7, "rejected": 0}
    rows = list(WeatherReading.objects.order_by("forecast_date"))
    assert [row.forecast_date for row in rows] == [day.date for day in days]
    assert {(row.temp_min, row.temp_max) for row in rows} == {(D("17.0"), D("26.1"))}
    today, tomorrow = rows[0], rows[1]
    assert today.forecast_date == sydney.local_today
    assert (today.current_temp, today.current_condition) == (D("21.4"), "Partly cloudy")
    assert (tomorrow.current_temp, tomorrow.current_condition) == (None, "")
    assert today.issued_at is not None
    assert timezone.now() - today.fetched_at < datetime.timedelta(minutes=1)
    assert RejectedReading.objects.count() == 0


def test_storing_again_updates_the_same_rows(sydney):
    store_forecast(sydney, forecast(week(sydney, ("10", "20"), ("11", "21"))))
    store_forecast(sydney, forecast(week(sydney, ("12", "22"), ("13", "23"))))

    rows = WeatherReading.objects.order_by("forecast_date")
    assert [(r.temp_min, r.temp_max) for r in rows] == [
        (D("12.0"), D("22.0")),
        (D("13.0"), D("23.0")),
    ]


@pytest.mark.parametrize(
    ("low", "high", "reason"),
    [
        ("25", "18", "above maximum"),
        ("-61", "5", "outside"),
        ("20", "61", "outside"),
        ("NaN", "20", "not a number"),
        ("10", "Infinity", "not a number"),
        ("-10", "40", "wider than"),
    ],
)
def test_an_implausible_day_is_rejected_logged_and_not_shown(
    sydney, client, caplog, low, high, reason
):
    days = week(sydney, (low, high), ("15", "24"))

    with caplog.at_level(logging.WARNING, logger="editions.readings"):
        counts = store_forecast(sydney, forecast(days))

    assert counts == {"stored": 1, "rejected": 1}
    assert list(WeatherReading.objects.values_list("forecast_date", flat=True)) == [
        days[1].date
    ]
    rejected = RejectedReading.objects.get()
    assert (rejected.kind, rejected.city, rejected.provider) == (
        "weather",
        sydney,
        "open-meteo",
    )
    assert reason in rejected.reason
    assert rejected.payload["date"] == days[0].date.isoformat()
    assert rejected.payload["temp_min"] == low
    assert any(
        r.levelno == logging.WARNING and reason in r.getMessage()
        for r in caplog.records
    )
    # Today's reading was the bad one: the header shows no weather at all.
    assert sydney.current_weather() is None


def test_a_day_far_from_today_is_rejected(sydney):
    far = DailyForecast(
        date=sydney.local_today + datetime.timedelta(days=40),
        temp_min=D("10"),
        temp_max=D("20"),
        condition="",
    )
    assert store_forecast(sydney, forecast((far,))) == {"stored": 0, "rejected": 1}
    assert "too far" in RejectedReading.objects.get().reason


@pytest.mark.parametrize("current", ["75.0", "NaN", "-70"])
def test_an_absurd_current_temperature_is_dropped_but_the_days_are_kept(
    sydney, current
):
    counts = store_forecast(sydney, forecast(week(sydney, ("10", "20")), current))

    assert counts == {"stored": 1, "rejected": 1}
    today = WeatherReading.objects.get()
    assert today.current_temp is None
    assert (today.temp_min, today.temp_max) == (D("10.0"), D("20.0"))
    assert RejectedReading.objects.get().payload == {"current_temp": current}


def test_a_provider_outage_keeps_the_stored_forecast(sydney, monkeypatch, caplog):
    old = WeatherReadingFactory(
        city=sydney,
        temp_min="15.0",
        temp_max="25.0",
        fetched_at=timezone.now() - datetime.timedelta(hours=3),
    )

    def outage(city):
        raise weather.ProviderError("open-meteo answered 503")

    monkeypatch.setattr(weather, "forecast_for", outage)
    with caplog.at_level(logging.WARNING, logger="editions.tasks"):
        result = refresh_weather.enqueue(city_id=sydney.pk)

    assert result.return_value == {"failed": 1}
    assert list(WeatherReading.objects.values("temp_min", "fetched_at")) == [
        {"temp_min": D("15.0"), "fetched_at": old.fetched_at}
    ]
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert "open-meteo" in warning.getMessage()
    assert "answered 503" in warning.getMessage()
    assert sydney.current_weather() == old


def test_the_weather_task_stores_what_the_provider_sends(sydney, monkeypatch):
    monkeypatch.setattr(
        weather, "forecast_for", lambda city: forecast(week(city, ("9", "19")))
    )
    result = refresh_weather.enqueue(city_id=sydney.pk)
    assert result.return_value == {"stored": 1, "rejected": 0}
    assert sydney.current_weather().temp_max == D("19.0")


# --- Rates -----------------------------------------------------------------------

DAY = datetime.date(2026, 11, 2)


def quote(rate: str, days: int = 0, provider: str = "rba", base="AUD") -> RateQuote:
    return RateQuote(
        base=base,
        quote="CNY",
        rate=D(rate),
        date=DAY + datetime.timedelta(days=days),
        provider=provider,
    )


def shown_rate() -> Decimal | None:
    latest = ExchangeRate.objects.latest_for("AUD")
    return latest.rate if latest else None


def test_the_first_rates_and_small_moves_are_confirmed():
    counts = store_rates("AUD", [quote("4.70"), quote("4.75", 1), quote("5.60", 2)])

    assert counts == {
        "stored": 3,
        "unconfirmed": 0,
        "confirmed_later": 0,
        "rejected": 0,
    }
    assert shown_rate() == D("5.60")
    assert ExchangeRate.objects.filter(confirmed=True).count() == 3


def test_a_jump_of_more_than_20_percent_waits_for_confirmation(caplog):
    store_rates("AUD", [quote("4.70")])

    with caplog.at_level(logging.WARNING, logger="editions.readings"):
        counts = store_rates("AUD", [quote("5.70", 1)])

    assert counts["unconfirmed"] == 1
    assert ExchangeRate.objects.get(
        rate_date=DAY + datetime.timedelta(days=1)
    ).rate == (D("5.70"))
    assert shown_rate() == D("4.70")
    assert [r.rate for r in ExchangeRate.objects.history("AUD", DAY)] == [D("4.70")]
    assert "Unconfirmed AUD:CNY rate 5.700000" in caplog.text

    # Fetching the same day from the same provider again proves nothing.
    store_rates("AUD", [quote("5.70", 1)])
    assert shown_rate() == D("4.70")

    # A later day that agrees within 1 % confirms both.
    counts = store_rates("AUD", [quote("5.74", 2)])
    assert counts == {
        "stored": 1,
        "unconfirmed": 0,
        "confirmed_later": 1,
        "rejected": 0,
    }
    assert shown_rate() == D("5.74")
    assert [r.rate for r in ExchangeRate.objects.history("AUD", DAY)] == [
        D("4.70"),
        D("5.70"),
        D("5.74"),
    ]


def test_another_provider_on_the_same_day_can_confirm_a_jump():
    store_rates("AUD", [quote("4.70")])
    store_rates("AUD", [quote("3.60", 1)])
    assert shown_rate() == D("4.70")

    store_rates("AUD", [quote("3.61", 1, provider="ecb")])

    assert set(ExchangeRate.objects.values_list("provider", "confirmed")) == {
        ("rba", True),
        ("ecb", True),
    }
    assert shown_rate() in (D("3.60"), D("3.61"))


def test_a_second_jump_that_disagrees_confirms_nothing():
    store_rates("AUD", [quote("4.70"), quote("5.70", 1), quote("6.10", 2)])

    assert shown_rate() == D("4.70")
    assert ExchangeRate.objects.filter(confirmed=False).count() == 2


def test_a_confirmed_rate_stays_confirmed_when_fetched_again():
    store_rates("AUD", [quote("4.70"), quote("5.70", 1), quote("5.72", 2)])
    # The next fetch sends the same month again, oldest first.
    store_rates("AUD", [quote("4.70"), quote("5.70", 1), quote("5.72", 2)])

    assert not ExchangeRate.objects.filter(confirmed=False).exists()


def test_a_broken_feed_cannot_rewrite_confirmed_history():
    store_rates("AUD", [quote("4.70"), quote("4.71", 1)])

    # Every day a hundred times too high: the stored days keep their rates.
    counts = store_rates("AUD", [quote("470", 0), quote("471", 1), quote("472", 2)])

    assert counts == {
        "stored": 0,
        "unconfirmed": 1,
        "confirmed_later": 0,
        "rejected": 2,
    }
    assert [r.rate for r in ExchangeRate.objects.history("AUD", DAY)] == [
        D("4.70"),
        D("4.71"),
    ]
    assert sorted(r.reason for r in RejectedReading.objects.all()) == [
        "rate 470.000000 contradicts the confirmed 4.700000",
        "rate 471.000000 contradicts the confirmed 4.710000",
    ]
    assert shown_rate() == D("4.71")


@pytest.mark.parametrize("rate", ["0", "-4.7", "NaN", "Infinity", "1e12"])
def test_impossible_rates_are_rejected_outright(rate):
    store_rates("AUD", [quote("4.70")])

    counts = store_rates("AUD", [quote(rate, 1)])

    assert counts["rejected"] == 1
    assert ExchangeRate.objects.count() == 1
    rejected = RejectedReading.objects.get()
    assert (rejected.kind, rejected.city, rejected.provider) == ("rate", None, "rba")
    assert rejected.payload["rate"] == str(D(rate))


def test_a_quote_for_another_pair_is_rejected():
    assert store_rates("AUD", [quote("5.2", base="CAD")])["rejected"] == 1
    assert not ExchangeRate.objects.exists()


def test_a_rate_outage_keeps_the_stored_rates(monkeypatch, caplog):
    ExchangeRateFactory(rate="4.7123")

    def outage(currency, quote="CNY", days=31):
        raise rates.ProviderError("RBA failed (timeout); ECB fallback failed (503)")

    monkeypatch.setattr(rates, "rates_for", outage)
    with caplog.at_level(logging.WARNING, logger="editions.tasks"):
        result = refresh_rates.enqueue(currency="AUD")

    assert result.return_value == {"failed": 1}
    assert shown_rate() == D("4.7123")
    assert "ECB fallback failed (503)" in caplog.text


def test_the_rates_task_stores_what_the_provider_sends(monkeypatch):
    monkeypatch.setattr(
        rates, "rates_for", lambda currency: [quote("4.70"), quote("4.71", 1)]
    )
    assert refresh_rates.enqueue(currency="AUD").return_value["stored"] == 2
    assert shown_rate() == D("4.71")
