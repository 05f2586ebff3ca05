"""City forecasts from Open-Meteo (anywhere) or the Bureau of Meteorology's précis
products (Australia), parsed into plain data; nothing is stored here."""

import datetime
import json
import math
import re
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# ProviderError lives with the HTTP client so that its FetchError can be one:
# callers catch weather.ProviderError (the same class as rates.ProviderError) alone.
from editions.http import ProviderError, fetch

MAX_DAYS = 7
TENTH = Decimal("0.1")

CLEAR = _("Clear")
MAINLY_CLEAR = _("Mainly clear")
PARTLY_CLOUDY = _("Partly cloudy")
CLOUDY = _("Cloudy")
OVERCAST = _("Overcast")
FOG = _("Fog")
DRIZZLE = _("Drizzle")
RAIN = _("Rain")
SNOW = _("Snow")
SHOWERS = _("Showers")
SNOW_SHOWERS = _("Snow showers")
THUNDERSTORM = _("Thunderstorm")
WINDY = _("Windy")

# WMO weather interpretation codes, as documented by Open-Meteo.
WMO_CONDITIONS = {
    0: CLEAR,
    1: MAINLY_CLEAR,
    2: PARTLY_CLOUDY,
    3: OVERCAST,
    45: FOG,
    48: FOG,
    **dict.fromkeys(range(51, 58), DRIZZLE),
    **dict.fromkeys(range(61, 68), RAIN),
    **dict.fromkeys(range(71, 78), SNOW),
    **dict.fromkeys(range(80, 83), SHOWERS),
    85: SNOW_SHOWERS,
    86: SNOW_SHOWERS,
    **dict.fromkeys(range(95, 100), THUNDERSTORM),
}

# The first pattern found in a BoM précis wins, so the more telling words come
# first: "Shower or two, possible storm." is a storm, "Mostly sunny." is not "Clear".
PRECIS_CONDITIONS = [
    (r"storm|thunder", THUNDERSTORM),
    (r"snow", SNOW),
    (r"shower", SHOWERS),
    (r"drizzle", DRIZZLE),
    (r"rain", RAIN),
    (r"fog", FOG),
    (r"partly cloudy", PARTLY_CLOUDY),
    (r"mostly sunny|mostly clear", MAINLY_CLEAR),
    (r"sunny|clear", CLEAR),
    (r"overcast", OVERCAST),
    (r"cloud", CLOUDY),
    (r"wind", WINDY),
]


@dataclass(frozen=True)
class DailyForecast:
    date: datetime.date
    temp_min: Decimal  # °C, one decimal
    temp_max: Decimal
    condition: str  # a short label in the active language, or "" when unknown


@dataclass(frozen=True)
class Forecast:
    provider: str  # "open-meteo" or "bom"
    issued_at: datetime.datetime | None  # aware; None when the provider gives none
    current_temp: Decimal | None
    current_condition: str
    days: tuple[DailyForecast, ...]  # today first (city-local dates), up to 7


def _temperature(text: str, where: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ProviderError(f"{where}: temperature {text!r} is not a number")
    return number.quantize(TENTH, rounding=ROUND_HALF_UP)


def _json_temperature(value: Any, where: str) -> Decimal:
    # A bool is an int to Python, and a quoted number is not what the API documents.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"{where}: temperature {value!r} is not a number")
    return _temperature(str(value), where)


def _wmo_condition(code: Any, where: str) -> str:
    if code is None:
        return ""
    if isinstance(code, float) and math.isfinite(code) and code.is_integer():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        raise ProviderError(f"{where}: weather code {code!r} is not a whole number")
    label = WMO_CONDITIONS.get(code)
    return str(label) if label is not None else ""


def _precis_condition(text: str) -> str:
    text = text.lower()
    for pattern, label in PRECIS_CONDITIONS:
        if re.search(pattern, text):
            return str(label)
    return ""


def _time_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# --- Open-Meteo -----------------------------------------------------------------


def open_meteo(latitude: Decimal, longitude: Decimal, time_zone: str) -> Forecast:
    """Today and the next six days at a point, with dates local to `time_zone`.

    Open-Meteo states no issue time, so `issued_at` is None. A day whose minimum or
    maximum is null is left out; a null weather code only leaves its label empty.
    """
    _time_zone(time_zone)
    url = settings.OPEN_METEO_URL
    response = fetch(
        url,
        params={
            "latitude": str(latitude),
            "longitude": str(longitude),
            "daily": "temperature_2m_max,temperature_2m_min,weather_code",
            "current": "temperature_2m,weather_code",
            "timezone": time_zone,
            "forecast_days": str(MAX_DAYS),
        },
    )
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise ProviderError(f"{url}: response is not valid JSON ({exc})") from exc
    return _parse_open_meteo(data, url)


def _parse_open_meteo(data: Any, url: str) -> Forecast:
    if not isinstance(data, dict):
        raise ProviderError(f"{url}: expected a JSON object")
    if data.get("error"):
        raise ProviderError(f"{url}: provider error {data.get('reason')!r}")
    daily = data.get("daily")
    if not isinstance(daily, dict):
        raise ProviderError(f"{url}: no 'daily' block")
    names = ("time", "temperature_2m_max", "temperature_2m_min", "weather_code")
    for name in names:
        if not isinstance(daily.get(name), list):
            raise ProviderError(f"{url}: 'daily.{name}' is missing or not a list")
    if len({len(daily[name]) for name in names}) != 1:
        raise ProviderError(f"{url}: the 'daily' lists differ in length")

    days = []
    for day, high, low, code in zip(*(daily[name] for name in names), strict=True):
        where = f"{url} daily {day}"
        try:
            date = datetime.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise ProviderError(f"{url}: daily date {day!r} is not a date") from None
        if high is None or low is None:
            continue
        days.append(
            DailyForecast(
                date=date,
                temp_min=_json_temperature(low, where),
                temp_max=_json_temperature(high, where),
                condition=_wmo_condition(code, where),
            )
        )

    current = data.get("current")
    current_temp, current_condition = None, ""
    if current is not None:
        if not isinstance(current, dict):
            raise ProviderError(f"{url}: 'current' is not an object")
        if current.get("temperature_2m") is not None:
            current_temp = _json_temperature(
                current["temperature_2m"], f"{url} current"
            )
        current_condition = _wmo_condition(
            current.get("weather_code"), f"{url} current"
        )
    return Forecast(
        provider="open-meteo",
        issued_at=None,
        current_temp=current_temp,
        current_condition=current_condition,
        days=tuple(days[:MAX_DAYS]),
    )


# --- Bureau of Meteorology ------------------------------------------------------


def bom(product_id: str, location_aac: str, time_zone: str) -> Forecast:
    """The précis forecast for one location of a state product (e.g. IDN11060).

    Dates are those of each period's local start time as the Bureau gives it. A day
    missing its minimum or maximum (today's minimum once the morning has passed) is
    left out. The précis carries no observation, so `current_temp` is None and
    `current_condition` is today's précis label.
    """
    zone = _time_zone(time_zone)
    if not re.fullmatch(r"[A-Z0-9]+", product_id):
        # An editor's typo, but reported like an outage so that the refresh of
        # other cities carries on; the pattern also keeps the URL in the directory.
        raise ProviderError(f"BoM product id {product_id!r} is not like IDN11060")
    url = settings.BOM_URL.rstrip("/") + f"/{product_id}.xml"
    response = fetch(url)
    try:
        root = defusedxml.ElementTree.fromstring(response.content, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ProviderError(f"{url}: refused unsafe XML ({exc!r})") from exc
    except ParseError as exc:
        raise ProviderError(f"{url}: response is not valid XML ({exc})") from exc
    return _parse_bom(root, location_aac, zone, url)


def _parse_bom(
    root: Element, location_aac: str, zone: zoneinfo.ZoneInfo, url: str
) -> Forecast:
    if root.tag != "product":
        raise ProviderError(f"{url}: root element is <{root.tag}>, not <product>")
    issued_at = None
    issued = root.findtext("amoc/issue-time-utc")
    if issued:
        try:
            issued_at = datetime.datetime.fromisoformat(issued.strip())
        except ValueError:
            raise ProviderError(f"{url}: issue time {issued!r} is unreadable") from None
        if issued_at.tzinfo is None:
            raise ProviderError(f"{url}: issue time {issued!r} has no UTC offset")
        issued_at = issued_at.astimezone(zone)

    area = next(
        (a for a in root.iterfind("forecast/area") if a.get("aac") == location_aac),
        None,
    )
    if area is None:
        raise ProviderError(f"{url}: no forecast area {location_aac!r}")

    periods = []
    for period in area.iterfind("forecast-period"):
        try:
            index = int(period.get("index", ""))
            start = datetime.datetime.fromisoformat(period.get("start-time-local", ""))
        except ValueError:
            raise ProviderError(
                f"{url} {location_aac}: forecast period without a readable index"
                " or start-time-local"
            ) from None
        periods.append((index, start.date(), period))
    periods.sort(key=lambda item: item[0])
    if not periods:
        raise ProviderError(f"{url}: area {location_aac!r} has no forecast periods")

    days = []
    for index, date, period in periods[:MAX_DAYS]:
        where = f"{url} {location_aac} period {index}"
        values = {e.get("type"): e.text for e in period.iterfind("element")}
        high = values.get("air_temperature_maximum")
        low = values.get("air_temperature_minimum")
        if high is None or low is None:
            continue
        days.append(
            DailyForecast(
                date=date,
                temp_min=_temperature(low, where),
                temp_max=_temperature(high, where),
                condition=_precis_condition(_precis(period)),
            )
        )
    return Forecast(
        provider="bom",
        issued_at=issued_at,
        current_temp=None,
        current_condition=_precis_condition(_precis(periods[0][2])),
        days=tuple(days),
    )


def _precis(period: Element) -> str:
    for text in period.iterfind("text"):
        if text.get("type") == "precis":
            return text.text or ""
    return ""


# --- Dispatch ---------------------------------------------------------------------


def forecast_for(city: Any) -> Forecast:
    """The forecast from the city's chosen provider; Open-Meteo unless BoM is set up."""
    product_id = getattr(city, "bom_product_id", "")
    location_aac = getattr(city, "bom_location_aac", "")
    if getattr(city, "weather_provider", "") == "bom" and product_id and location_aac:
        return bom(product_id, location_aac, city.time_zone)
    return open_meteo(city.latitude, city.longitude, city.time_zone)
