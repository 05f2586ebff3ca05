"""Cities a portal serves, and the weather and exchange-rate readings shown for them."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Older readings are not shown at all: the header hides them, the city page too.
SHOW_READINGS_FOR = datetime.timedelta(hours=48)


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


class WeatherProvider(models.TextChoices):
    OPEN_METEO = "open-meteo", "Open-Meteo"
    BOM = "bom", _("Bureau of Meteorology")


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
    weather_provider = models.CharField(
        _("weather provider"),
        max_length=20,
        choices=WeatherProvider.choices,
        default=WeatherProvider.OPEN_METEO,
        help_text=_("The Bureau of Meteorology covers Australian cities only."),
    )
    bom_product_id = models.CharField(
        _("BoM forecast product"),
        max_length=16,
        blank=True,
        help_text=_("The state's précis forecast product, e.g. IDN11060"),
    )
    bom_location_aac = models.CharField(
        _("BoM location code"),
        max_length=20,
        blank=True,
        help_text=_("The forecast area's AAC within that product, e.g. NSW_PT131"),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name_en"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        self.currency = self.currency.upper()
        if self.weather_provider == WeatherProvider.BOM:
            needed = _("Needed for the Bureau of Meteorology.")
            missing = {
                name: needed
                for name in ("bom_product_id", "bom_location_aac")
                if not getattr(self, name)
            }
            if missing:
                raise ValidationError(missing)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self) -> datetime.datetime:
        return timezone.now().astimezone(self.tzinfo)

    @property
    def local_today(self) -> datetime.date:
        return self.local_now().date()

    def current_weather(self) -> "WeatherReading | None":
        """Today's forecast from the newest reading, unless none is recent enough."""
        reading = (
            WeatherReading.objects.shown()
            .filter(city=self, forecast_date=self.local_today)
            .order_by("-fetched_at", "-pk")
            .first()
        )
        if reading is not None:
            reading.city = self
        return reading

    def forecast(self, days: int = 7) -> list["WeatherReading"]:
        """The coming days from the provider heard from last, today first."""
        today = self.local_today
        readings = list(
            WeatherReading.objects.shown()
            .filter(
                city=self,
                forecast_date__gte=today,
                forecast_date__lt=today + datetime.timedelta(days=days),
            )
            .order_by("forecast_date", "pk")
        )
        if not readings:
            return []
        newest = max(readings, key=lambda reading: reading.fetched_at)
        chosen = [r for r in readings if r.provider == newest.provider]
        for reading in chosen:
            reading.city = self
        return chosen

    def current_rate(self) -> "ExchangeRate | None":
        return ExchangeRate.objects.shown().latest_for(self.currency)

    def rate_history(self, days: int = 30) -> list["ExchangeRate"]:
        since = self.local_today - datetime.timedelta(days=days - 1)
        return ExchangeRate.objects.history(self.currency, since=since)

    def rate_is_stale(self, rate: "ExchangeRate") -> bool:
        """Whether `rate` is older than the last business day before today.

        Central banks publish one rate per business day, in the afternoon: until
        then today's newest rate is the previous business day's (Friday's on a
        Monday), and that is current, not stale.
        """
        return rate.rate_date < previous_business_day(self.local_today)


def previous_business_day(day: datetime.date) -> datetime.date:
    day -= datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


class WeatherReadingQuerySet(models.QuerySet):
    def shown(self):
        """Readings recent enough to show readers."""
        return self.filter(fetched_at__gte=timezone.now() - SHOW_READINGS_FOR)


class WeatherReading(models.Model):
    """One provider's forecast for one city and one local day."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="weather")
    provider = models.CharField(_("provider"), max_length=40)
    forecast_date = models.DateField(_("forecast date"))
    temp_min = models.DecimalField(_("minimum (°C)"), max_digits=4, decimal_places=1)
    temp_max = models.DecimalField(_("maximum (°C)"), max_digits=4, decimal_places=1)
    condition = models.CharField(_("condition"), max_length=40, blank=True)
    # The current values are only meaningful on the row for the city's today.
    current_temp = models.DecimalField(
        _("current temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    current_condition = models.CharField(
        _("current condition"), max_length=40, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)

    objects = WeatherReadingQuerySet.as_manager()

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
                condition=Q(temp_min__gte=-60, temp_max__lte=60),
                name="weather_physical_bounds",
            ),
        ]
        indexes = [models.Index(fields=["city", "forecast_date", "fetched_at"])]

    def __str__(self) -> str:
        return f"{self.city} {self.forecast_date} {self.temp_min}–{self.temp_max}"

    @property
    def provider_label(self) -> str:
        return dict(WeatherProvider.choices).get(self.provider, self.provider)

    @property
    def is_stale(self) -> bool:
        """Fetched longer ago than two refresh intervals: a refresh has failed."""
        window = datetime.timedelta(seconds=2 * settings.WEATHER_REFRESH_SECONDS)
        return self.fetched_at < timezone.now() - window


class ExchangeRateQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed=True)

    def shown(self):
        """Confirmed rates some provider reported recently enough to show readers."""
        return self.confirmed().filter(
            fetched_at__gte=timezone.now() - SHOW_READINGS_FOR
        )

    def latest_for(self, base: str, quote: str = "CNY") -> "ExchangeRate | None":
        return (
            self.confirmed()
            .filter(base=base, quote=quote)
            .order_by("-rate_date", "-fetched_at", "-id")
            .first()
        )

    def history(
        self, base: str, since: datetime.date, quote: str = "CNY"
    ) -> list["ExchangeRate"]:
        """One confirmed rate per day from `since`, oldest first."""
        rows = (
            self.confirmed()
            .filter(base=base, quote=quote, rate_date__gte=since)
            .order_by("rate_date", "fetched_at", "id")
        )
        # Two providers may report the same day; the one fetched last wins.
        by_day = {row.rate_date: row for row in rows}
        return list(by_day.values())


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
    confirmed = models.BooleanField(
        _("confirmed"),
        default=True,
        help_text=_(
            "A jump of more than a fifth is shown only once another day or provider "
            "agrees with it."
        ),
    )

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


class ScheduledRun(models.Model):
    """A job taken for one time slot; the unique pair keeps schedulers from racing."""

    job = models.CharField(_("job"), max_length=80)
    slot = models.DateTimeField(_("slot"))
    enqueued_at = models.DateTimeField(_("enqueued at"), default=timezone.now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="one_run_per_slot")
        ]
        indexes = [models.Index(fields=["slot"])]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class RejectedReading(models.Model):
    """A reading a provider sent that failed validation: kept for operators only."""

    class Kind(models.TextChoices):
        WEATHER = "weather", _("weather")
        RATE = "rate", _("exchange rate")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    provider = models.CharField(_("provider"), max_length=40)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, db_index=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rejected reading")
        verbose_name_plural = _("rejected readings")

    def __str__(self) -> str:
        return f"{self.kind} {self.provider}: {self.reason}"
