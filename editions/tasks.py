"""Background jobs of the editions: refreshing weather and rates from the providers,
and the scheduler that enqueues them once per time slot however many schedulers run
(and puts back the tasks of dead workers, taskhealth/recovery.py)."""

import datetime
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from editions import rates, weather
from editions.models import City, RejectedReading, ScheduledRun
from editions.readings import store_forecast, store_rates
from taskhealth.recovery import reap_tasks

logger = logging.getLogger(__name__)

PRUNE_SECONDS = 3600
VIEW_FLUSH_SECONDS = 60
KEEP_RUNS = datetime.timedelta(days=2)
KEEP_REJECTED = datetime.timedelta(days=30)


@task()
def refresh_weather(city_id: int) -> dict[str, int]:
    """Fetch and store one city's forecast; an outage keeps the stored readings."""
    city = City.objects.filter(pk=city_id).first()
    if city is None:
        return {}
    try:
        forecast = weather.forecast_for(city)
    except weather.ProviderError as exc:
        logger.warning(
            "Weather provider %s failed for %s: %s",
            city.weather_provider,
            city.slug,
            exc,
        )
        return {"failed": 1}
    return store_forecast(city, forecast)


@task()
def refresh_rates(currency: str) -> dict[str, int]:
    """Fetch and store a month of `currency`→CNY rates; an outage keeps the old ones."""
    try:
        quotes = rates.rates_for(currency)
    except rates.ProviderError as exc:
        logger.warning("Rate providers failed for %s:CNY: %s", currency, exc)
        return {"failed": 1}
    return store_rates(currency, quotes)


@dataclass(frozen=True)
class Job:
    name: str
    slot: datetime.datetime
    task: Task
    kwargs: dict[str, Any]


def slot_for(moment: datetime.datetime, seconds: int) -> datetime.datetime:
    """The start of the `seconds`-long slot holding `moment` (slots start at epoch)."""
    start = int(moment.timestamp()) // seconds * seconds
    return datetime.datetime.fromtimestamp(start, tz=datetime.UTC)


def due_jobs(now: datetime.datetime) -> Iterator[Job]:
    cities = list(City.objects.only("pk", "slug", "currency"))
    weather_slot = slot_for(now, settings.WEATHER_REFRESH_SECONDS)
    for city in cities:
        yield Job(
            f"weather:{city.slug}", weather_slot, refresh_weather, {"city_id": city.pk}
        )
    rates_slot = slot_for(now, settings.RATES_REFRESH_SECONDS)
    for currency in sorted({city.currency for city in cities}):
        yield Job(
            f"rates:{currency}", rates_slot, refresh_rates, {"currency": currency}
        )
    # Imported here: discovery builds on news, which builds on editions.
    from discovery.counting import uses_redis
    from discovery.tasks import flush_view_counts

    if uses_redis():
        # Views counted in Redis reach the hot lists within a minute.
        view_slot = slot_for(now, VIEW_FLUSH_SECONDS)
        yield Job("views:flush", view_slot, flush_view_counts, {})


def take_slot(job: str, slot: datetime.datetime) -> bool:
    """Claim `job` for `slot`; False when another scheduler already has it."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job, slot=slot)
    except IntegrityError:
        return False
    return True


def prune(now: datetime.datetime) -> None:
    ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    RejectedReading.objects.filter(created_at__lt=now - KEEP_REJECTED).delete()


def run_once(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot no scheduler has taken; return them."""
    now = now or timezone.now()
    enqueued = []
    for job in due_jobs(now):
        if not take_slot(job.name, job.slot):
            continue
        # Enqueued outside the slot's transaction: the immediate backend runs the
        # task right here, and a network call must not hold the database lock.
        try:
            job.task.enqueue(**job.kwargs)
        except Exception:
            # Give the slot back so that the next tick tries again.
            ScheduledRun.objects.filter(job=job.name, slot=job.slot).delete()
            raise
        logger.info("Enqueued %s for %s", job.name, job.slot.isoformat())
        enqueued.append(job.name)
    # Imported here: ingest.tasks builds on this module's slots.
    from ingest.tasks import enqueue_due_sources

    enqueue_due_sources(now)
    if take_slot("prune", slot_for(now, PRUNE_SECONDS)):
        prune(now)
    # Every tick: the tasks of a worker that died go back to the queue.
    reap_tasks(now)
    return enqueued


def run_forever(stop: threading.Event, tick: float = 30) -> None:
    """Run `run_once` every `tick` seconds until `stop` is set."""
    logger.info("Scheduler started, checking every %ss", tick)
    while not stop.is_set():
        # Like any long-running process, drop connections the database closed.
        close_old_connections()
        try:
            run_once()
        except DatabaseError:
            logger.exception("Scheduler tick failed; trying again next tick")
        stop.wait(tick)
    logger.info("Scheduler stopped")
