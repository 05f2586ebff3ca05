"""Cities a portal serves, and the weather and exchange-rate readings shown for them."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("Unknown time zone: %(zone)s"), params={"zone": value}
        ) from exc


class CityQuerySet(models.QuerySet):
    def get_or_default(self, slug: str | None, default: "City | None") -> "City | None":
        """The city with this slug, or the default city for an unknown one."""
        if slug:
            city = self.filter(slug=slug).first()
            if city is not None:
                return city
        return default or self.first()


class City(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone]
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. AUD")
    )
    currency_name = models.CharField(
        _("currency name"),
        max_length=12,
        help_text=_("As shown in the header, e.g. 澳元"),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name_en"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self) -> datetime.datetime:
        return timezone.now().astimezone(self.tzinfo)

    @property
    def local_today(self) -> datetime.date:
        return self.local_now().date()

    def current_weather(self) -> "WeatherReading | None":
        return (
            WeatherReading.objects.filter(city=self, forecast_date=self.local_today)
            .order_by("-fetched_at")
            .first()
        )

    def current_rate(self) -> "ExchangeRate | None":
        return ExchangeRate.objects.latest_for(self.currency)


class WeatherReading(models.Model):
    """One provider's forecast for one city and one local day."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="weather")
    provider = models.CharField(_("provider"), max_length=40)
    forecast_date = models.DateField(_("forecast date"))
    temp_min = models.DecimalField(_("minimum (°C)"), max_digits=4, decimal_places=1)
    temp_max = models.DecimalField(_("maximum (°C)"), max_digits=4, decimal_places=1)
    condition = models.CharField(_("condition"), max_length=40, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)

    class Meta:
        verbose_name = _("weather reading")
        verbose_name_plural = _("weather readings")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "provider", "forecast_date"],
                name="weather_one_per_city_provider_day",
            ),
            models.CheckConstraint(
                condition=Q(temp_min__lte=F("temp_max")), name="weather_min_le_max"
            ),
            models.CheckConstraint(
                condition=Q(temp_min__gte=-90, temp_max__lte=60),
                name="weather_physical_bounds",
            ),
        ]
        indexes = [models.Index(fields=["city", "forecast_date", "fetched_at"])]

    def __str__(self) -> str:
        return f"{self.city} {self.forecast_date} {self.temp_min}–{self.temp_max}"


class ExchangeRateQuerySet(models.QuerySet):
    def latest_for(self, base: str, quote: str = "CNY") -> "ExchangeRate | None":
        return self.filter(base=base, quote=quote).order_by("-rate_date", "-id").first()


class ExchangeRate(models.Model):
    """How many units of `quote` one unit of `base` buys on `rate_date`."""

    base = models.CharField(_("base currency"), max_length=3)
    quote = models.CharField(_("quote currency"), max_length=3, default="CNY")
    rate = models.DecimalField(
        _("rate"), max_digits=14, decimal_places=6, validators=[MinValueValidator(0)]
    )
    rate_date = models.DateField(_("rate date"))
    provider = models.CharField(_("provider"), max_length=40)
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "provider", "rate_date"],
                name="rate_one_per_pair_provider_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "rate_date"])]

    def __str__(self) -> str:
        return f"{self.base}:{self.quote}={self.rate} ({self.rate_date})"
