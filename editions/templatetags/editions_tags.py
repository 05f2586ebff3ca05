"""Template helpers of the city editions: the "updated at" marker of readings that
are no longer fresh, and the server-rendered SVG chart of a month of rates."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from editions.models import City, ExchangeRate, WeatherReading

register = template.Library()

# The chart's drawing area inside its viewBox, leaving room for the axis labels.
WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 588, 14, 186


def as_of_label(reading: WeatherReading | ExchangeRate, city: City) -> str | None:
    """When a shown reading stopped being fresh, as readers of `city` read time."""
    if isinstance(reading, ExchangeRate):
        # A rate is as of its day; see City.rate_is_stale for when that is too old.
        if not city.rate_is_stale(reading):
            return None
        return date_format(reading.rate_date, "MONTH_DAY_FORMAT")
    if not reading.is_stale:
        return None
    local = reading.fetched_at.astimezone(city.tzinfo)
    time = date_format(local, "TIME_FORMAT")
    if local.date() == city.local_today:
        return time
    return f"{date_format(local, 'MONTH_DAY_FORMAT')} {time}"


@register.simple_tag
def as_of(reading, city) -> str:
    """`<span class="as-of">Updated 14:05</span>` after a stale reading, or nothing."""
    if reading is None or city is None:
        return ""
    label = as_of_label(reading, city)
    if label is None:
        return ""
    return format_html(
        '<span class="as-of">{}</span>', _("Updated %(time)s") % {"time": label}
    )


def chart_geometry(rates: list[ExchangeRate]) -> dict | None:
    """Polyline points and label positions for rates oldest first; None under 2."""
    if len(rates) < 2:
        return None
    first, last = rates[0].rate_date, rates[-1].rate_date
    low = min(rate.rate for rate in rates)
    high = max(rate.rate for rate in rates)
    days = max((last - first).days, 1)
    points = []
    for rate in rates:
        x = LEFT + (rate.rate_date - first).days / days * (RIGHT - LEFT)
        if high == low:
            y = (TOP + BOTTOM) / 2
        else:
            y = TOP + float((high - rate.rate) / (high - low)) * (BOTTOM - TOP)
        points.append(f"{x:.1f},{y:.1f}")
    return {
        "points": " ".join(points),
        "count": len(points),
        "low": low,
        "high": high,
        "first": first,
        "last": last,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "label_x": LEFT - 6,
        "date_y": HEIGHT - 8,
    }


@register.inclusion_tag("editions/rate_chart.html")
def rate_chart(rates: list[ExchangeRate], city: City) -> dict:
    return {"city": city, "chart": chart_geometry(rates), "days": len(rates)}
