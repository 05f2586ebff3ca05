"""The scheduler: each job once per slot however many schedulers run, and the
operators' refresh commands."""

import datetime
import logging
import os
import signal
import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from editions import rates, tasks, weather
from editions.models import ExchangeRate, RejectedReading, ScheduledRun, WeatherReading
from editions.rates import RateQuote
from editions.tests.factories import CityFactory
from editions.weather import DailyForecast, Forecast

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 27, 1, 0, 5, tzinfo=datetime.UTC)


@pytest.fixture
def calls(monkeypatch):
    """Providers replaced by fakes that record who asked."""
    made = []

    def forecast_for(city):
        made.append(f"weather:{city.slug}")
        day = DailyForecast(
            date=city.local_today,
            temp_min=Decimal("15"),
            temp_max=Decimal("25"),
            condition="Clear",
        )
        return Forecast("open-meteo", None, Decimal("20"), "Clear", (day,))

    def rates_for(currency, quote="CNY", days=31):
        made.append(f"rates:{currency}")
        today = timezone.localdate()
        return [RateQuote(currency, quote, Decimal("4.7"), today, "ecb")]

    monkeypatch.setattr(weather, "forecast_for", forecast_for)
    monkeypatch.setattr(rates, "rates_for", rates_for)
    return made


@pytest.fixture
def cities(db):
    # In this order whatever names the factory's sequence gives them.
    return [
        CityFactory(slug="sydney", sort_order=1),
        CityFactory(slug="perth", time_zone="Australia/Perth", sort_order=2),
        CityFactory(
            slug="vancouver",
            time_zone="America/Vancouver",
            currency="CAD",
            sort_order=3,
        ),
    ]


def test_slots_are_whole_intervals_since_the_epoch():
    assert tasks.slot_for(NOON, 1800) == datetime.datetime(
        2026, 11, 27, 1, 0, tzinfo=datetime.UTC
    )
    later = NOON + datetime.timedelta(minutes=29, seconds=50)
    assert tasks.slot_for(later, 1800) == tasks.slot_for(NOON, 1800)
    assert tasks.slot_for(later + datetime.timedelta(seconds=10), 1800) > (
        tasks.slot_for(NOON, 1800)
    )


def test_each_job_runs_once_per_slot(cities, calls, caplog):
    with caplog.at_level(logging.INFO, logger="editions.tasks"):
        first = tasks.run_once(NOON)
    second = tasks.run_once(NOON + datetime.timedelta(minutes=10))

    expected = [
        "weather:sydney",
        "weather:perth",
        "weather:vancouver",
        "rates:AUD",
        "rates:CAD",
    ]
    assert first == expected
    assert second == []
    assert calls == expected
    assert sorted(ScheduledRun.objects.values_list("job", flat=True)) == sorted(
        [*expected, "prune"]
    )
    assert WeatherReading.objects.count() == 3
    assert ExchangeRate.objects.count() == 2
    enqueued = [r.getMessage() for r in caplog.records if "Enqueued" in r.getMessage()]
    assert len(enqueued) == 5
    assert enqueued[0].startswith("Enqueued weather:sydney for 2026-11-27T01:00:00")


def test_the_next_slot_runs_again_weather_more_often_than_rates(
    cities, calls, settings
):
    settings.WEATHER_REFRESH_SECONDS = 1800
    settings.RATES_REFRESH_SECONDS = 3600
    tasks.run_once(NOON)
    calls.clear()

    assert tasks.run_once(NOON + datetime.timedelta(minutes=31)) == [
        "weather:sydney",
        "weather:perth",
        "weather:vancouver",
    ]
    assert tasks.run_once(NOON + datetime.timedelta(minutes=61)) == [
        "weather:sydney",
        "weather:perth",
        "weather:vancouver",
        "rates:AUD",
        "rates:CAD",
    ]


def test_a_slot_another_scheduler_took_is_left_alone(cities, calls):
    slot = tasks.slot_for(NOON, 3600)
    ScheduledRun.objects.create(job="rates:AUD", slot=slot)

    assert "rates:AUD" not in tasks.run_once(NOON)
    assert "rates:AUD" not in calls
    assert ScheduledRun.objects.filter(job="rates:AUD").count() == 1


def test_a_failed_enqueue_gives_the_slot_back(cities, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("queue is down")

    monkeypatch.setattr(tasks, "refresh_weather", SimpleNamespace(enqueue=broken))
    with pytest.raises(RuntimeError):
        tasks.run_once(NOON)
    assert not ScheduledRun.objects.filter(job__startswith="weather:").exists()


def test_a_provider_outage_does_not_stop_the_round(cities, monkeypatch, calls):
    def outage(city):
        raise weather.ProviderError("timeout")

    monkeypatch.setattr(weather, "forecast_for", outage)
    assert len(tasks.run_once(NOON)) == 5
    assert calls == ["rates:AUD", "rates:CAD"]


def test_old_runs_and_rejected_readings_are_pruned(cities, calls):
    old = ScheduledRun.objects.create(
        job="weather:sydney", slot=NOON - datetime.timedelta(days=3)
    )
    recent = ScheduledRun.objects.create(
        job="weather:sydney", slot=NOON - datetime.timedelta(days=1)
    )
    for age in (tasks.KEEP_REJECTED, datetime.timedelta(days=29)):
        RejectedReading.objects.create(
            kind="rate",
            provider="rba",
            reason=f"{age.days} days old",
            created_at=NOON - age - datetime.timedelta(seconds=1),
        )

    tasks.run_once(NOON)

    assert not ScheduledRun.objects.filter(pk=old.pk).exists()
    assert ScheduledRun.objects.filter(pk=recent.pk).exists()
    assert [r.reason for r in RejectedReading.objects.all()] == ["29 days old"]


def test_run_forever_stops_when_told(monkeypatch):
    stop = threading.Event()
    rounds = []

    def one_round():
        rounds.append(1)
        if len(rounds) == 2:
            stop.set()

    monkeypatch.setattr(tasks, "run_once", one_round)
    tasks.run_forever(stop, tick=0.01)
    assert len(rounds) == 2


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_command_stops_cleanly_on_a_signal(monkeypatch, signum):
    from editions.management.commands import run_scheduler

    seen = {}

    def fake_forever(stop, tick):
        os.kill(os.getpid(), signum)
        seen["stopped"] = stop.wait(5)
        seen["tick"] = tick

    monkeypatch.setattr(run_scheduler, "run_forever", fake_forever)
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        call_command("run_scheduler", "--tick", "5")
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert seen == {"stopped": True, "tick": 5.0}


def test_the_command_once(cities, calls, capsys):
    call_command("run_scheduler", "--once")
    assert "Enqueued 5 job(s)" in capsys.readouterr().out
    call_command("run_scheduler", "--once")
    assert "Enqueued 0 job(s)" in capsys.readouterr().out


def test_refresh_weather_command(cities, calls, capsys):
    call_command("refresh_weather", "perth")
    assert capsys.readouterr().out == "perth: 1 stored, 0 rejected\n"
    assert calls == ["weather:perth"]

    with pytest.raises(CommandError, match="atlantis"):
        call_command("refresh_weather", "perth", "atlantis")


def test_refresh_rates_command(cities, calls, capsys):
    call_command("refresh_rates")
    out = capsys.readouterr().out
    assert "AUD:CNY: 1 stored" in out and "CAD:CNY: 1 stored" in out
    call_command("refresh_rates", "nzd")
    assert calls[-1] == "rates:NZD"
    with pytest.raises(CommandError):
        call_command("refresh_rates", "A$")
