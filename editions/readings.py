"""Storing provider readings: forecasts and exchange rates are checked before they are
kept, and what fails the checks is logged as a RejectedReading, never shown."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from editions.models import City, ExchangeRate, RejectedReading, WeatherReading
from editions.rates import RateQuote
from editions.weather import DailyForecast, Forecast

logger = logging.getLogger(__name__)

COLDEST = Decimal("-60")
HOTTEST = Decimal("60")
# A wider swing within one day is a broken feed, not weather.
WIDEST_DAILY_RANGE = Decimal("45")
# Forecast days outside this window around the city's today are not plausible.
OLDEST_DAY = datetime.timedelta(days=1)
FURTHEST_DAY = datetime.timedelta(days=16)
TENTH = Decimal("0.1")

RATE_JUMP = Decimal("0.20")  # beyond this change from the last confirmed rate ...
RATE_AGREEMENT = Decimal("0.01")  # ... a rate waits for a second one this close
AGREEMENT_DAYS = datetime.timedelta(days=7)
LARGEST_RATE = Decimal("1e7")
RATE_PLACES = Decimal("0.000001")


def as_decimal(value: Any) -> Decimal | None:
    """`value` as a finite Decimal, or None for NaN, infinity and non-numbers."""
    if isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def temperature_problem(value: Any) -> str | None:
    number = as_decimal(value)
    if number is None:
        return f"temperature {value!r} is not a number"
    if not COLDEST <= number <= HOTTEST:
        return f"temperature {number} is outside {COLDEST}…{HOTTEST} °C"
    return None


def forecast_day_problem(day: DailyForecast, today: datetime.date) -> str | None:
    """Why a day's forecast cannot be right, or None when it is plausible."""
    if not isinstance(day.date, datetime.date):
        return f"date {day.date!r} is not a date"
    if not today - OLDEST_DAY <= day.date <= today + FURTHEST_DAY:
        return f"date {day.date} is too far from {today}"
    for value in (day.temp_min, day.temp_max):
        if problem := temperature_problem(value):
            return problem
    low, high = as_decimal(day.temp_min), as_decimal(day.temp_max)
    if low > high:
        return f"minimum {low} is above maximum {high}"
    if high - low > WIDEST_DAILY_RANGE:
        return f"range {low}…{high} is wider than {WIDEST_DAILY_RANGE} °C"
    return None


def jsonable(value: Any) -> Any:
    """Provider data made safe for a JSON column (NaN and Decimals become text)."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def reject(
    kind: str, provider: str, payload: Any, reason: str, city: City | None = None
) -> None:
    logger.warning(
        "Rejected %s reading from %s%s: %s",
        kind,
        provider,
        f" for {city.slug}" if city else "",
        reason,
    )
    RejectedReading.objects.create(
        kind=kind,
        city=city,
        provider=provider,
        payload=jsonable(payload),
        reason=reason,
    )


@transaction.atomic
def store_forecast(city: City, forecast: Forecast) -> dict[str, int]:
    """Keep every plausible day of `forecast`; log and drop the rest."""
    now = timezone.now()
    today = city.local_today
    kind = RejectedReading.Kind.WEATHER
    counts = {"stored": 0, "rejected": 0}
    current_temp = forecast.current_temp
    if current_temp is not None:
        if problem := temperature_problem(current_temp):
            reject(
                kind, forecast.provider, {"current_temp": current_temp}, problem, city
            )
            counts["rejected"] += 1
            current_temp = None
        else:
            current_temp = as_decimal(current_temp).quantize(TENTH)
    for day in forecast.days:
        if problem := forecast_day_problem(day, today):
            reject(kind, forecast.provider, day, problem, city)
            counts["rejected"] += 1
            continue
        values = {
            "temp_min": as_decimal(day.temp_min).quantize(TENTH),
            "temp_max": as_decimal(day.temp_max).quantize(TENTH),
            "condition": str(day.condition or "")[:40],
            "issued_at": forecast.issued_at,
            "fetched_at": now,
        }
        if day.date == today:
            values["current_temp"] = current_temp
            values["current_condition"] = str(forecast.current_condition or "")[:40]
        WeatherReading.objects.update_or_create(
            city=city,
            provider=forecast.provider,
            forecast_date=day.date,
            defaults=values,
        )
        counts["stored"] += 1
    return counts


def rate_problem(currency: str, quote: RateQuote) -> str | None:
    if quote.base != currency:
        return f"pair {quote.base}:{quote.quote} was not asked for"
    if not isinstance(quote.date, datetime.date):
        return f"date {quote.date!r} is not a date"
    rate = as_decimal(quote.rate)
    if rate is None or rate <= 0:
        return f"rate {quote.rate!r} is not a positive number"
    if rate >= LARGEST_RATE or rate.quantize(RATE_PLACES) == 0:
        return f"rate {rate} is out of range"
    return None


def within(rate: Decimal, reference: Decimal, share: Decimal) -> bool:
    return abs(rate - reference) <= reference * share


def last_confirmed(quote: RateQuote) -> ExchangeRate | None:
    """The confirmed rate of the pair nearest before `quote` (or after, if none)."""
    pair = ExchangeRate.objects.confirmed().filter(base=quote.base, quote=quote.quote)
    this_row = Q(provider=quote.provider, rate_date=quote.date)
    before = (
        pair.filter(rate_date__lte=quote.date)
        .exclude(this_row)
        .order_by("-rate_date", "-fetched_at", "-pk")
        .first()
    )
    if before is not None:
        return before
    return (
        pair.filter(rate_date__gt=quote.date)
        .order_by("rate_date", "-fetched_at")
        .first()
    )


def agreeing_rates(quote: RateQuote, rate: Decimal) -> list[ExchangeRate]:
    """Rates of another day or another provider, close in time, that agree with it."""
    nearby = ExchangeRate.objects.filter(
        base=quote.base,
        quote=quote.quote,
        rate_date__gte=quote.date - AGREEMENT_DAYS,
        rate_date__lte=quote.date + AGREEMENT_DAYS,
    ).exclude(provider=quote.provider, rate_date=quote.date)
    return [row for row in nearby if within(rate, row.rate, RATE_AGREEMENT)]


@transaction.atomic
def store_rates(currency: str, quotes: Iterable[RateQuote]) -> dict[str, int]:
    """Keep each quote (oldest first); a jump of more than 20 % is kept unconfirmed,
    hidden from readers, until another day or provider agrees with it within 1 %."""
    now = timezone.now()
    counts = {"stored": 0, "unconfirmed": 0, "confirmed_later": 0, "rejected": 0}
    for quote in quotes:
        if problem := rate_problem(currency, quote):
            reject(RejectedReading.Kind.RATE, quote.provider, quote, problem)
            counts["rejected"] += 1
            continue
        rate = as_decimal(quote.rate).quantize(RATE_PLACES)
        existing = ExchangeRate.objects.filter(
            base=quote.base,
            quote=quote.quote,
            provider=quote.provider,
            rate_date=quote.date,
        ).first()
        if (
            existing
            and existing.confirmed
            and not within(rate, existing.rate, RATE_JUMP)
        ):
            # Banks do not revise a day's rate by a fifth: the feed is broken, and
            # letting its days confirm each other would rewrite the history.
            problem = f"rate {rate} contradicts the confirmed {existing.rate}"
            reject(RejectedReading.Kind.RATE, quote.provider, quote, problem)
            counts["rejected"] += 1
            continue
        reference = last_confirmed(quote)
        confirmed = (
            (
                existing
                and existing.confirmed
                and within(rate, existing.rate, RATE_AGREEMENT)
            )
            or reference is None
            or within(rate, reference.rate, RATE_JUMP)
        )
        if not confirmed:
            agreeing = agreeing_rates(quote, rate)
            if agreeing:
                confirmed = True
                pending = [row.pk for row in agreeing if not row.confirmed]
                counts["confirmed_later"] += ExchangeRate.objects.filter(
                    pk__in=pending
                ).update(confirmed=True)
                logger.info(
                    "%s:%s %s on %s confirmed by %d agreeing rate(s)",
                    quote.base,
                    quote.quote,
                    rate,
                    quote.date,
                    len(agreeing),
                )
        if not confirmed:
            logger.warning(
                "Unconfirmed %s:%s rate %s on %s from %s: more than %s%% from %s",
                quote.base,
                quote.quote,
                rate,
                quote.date,
                quote.provider,
                int(RATE_JUMP * 100),
                reference.rate,
            )
        ExchangeRate.objects.update_or_create(
            base=quote.base,
            quote=quote.quote,
            provider=quote.provider,
            rate_date=quote.date,
            defaults={"rate": rate, "fetched_at": now, "confirmed": bool(confirmed)},
        )
        counts["stored" if confirmed else "unconfirmed"] += 1
    return counts
