import factory
from django.utils import timezone

from editions.models import City, ExchangeRate, WeatherReading


class CityFactory(factory.django.DjangoModelFactory):
    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.Sequence(lambda n: f"城市{n}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    time_zone = "Australia/Sydney"
    latitude = "-33.86785"
    longitude = "151.20732"
    currency = "AUD"
    currency_name = "澳元"

    class Meta:
        model = City


class WeatherReadingFactory(factory.django.DjangoModelFactory):
    city = factory.SubFactory(CityFactory)
    provider = "test"
    forecast_date = factory.LazyAttribute(lambda reading: reading.city.local_today)
    temp_min = "18.3"
    temp_max = "20.3"
    condition = "晴"

    class Meta:
        model = WeatherReading


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    base = "AUD"
    quote = "CNY"
    rate = "4.7123"
    rate_date = factory.LazyFunction(timezone.localdate)
    provider = "test"

    class Meta:
        model = ExchangeRate
