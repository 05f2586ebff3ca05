"""What the header and footer of every page need, read only when a template asks."""

from functools import cached_property

from django.utils import timezone
from wagtail.models import Page

from core.models import FriendlyLink, SiteSettings
from editions.models import City
from news.models import ChannelPage


class SiteChrome:
    def __init__(self, request):
        self.request = request

    @cached_property
    def settings(self) -> SiteSettings:
        return SiteSettings.current(self.request)

    @cached_property
    def city(self):
        return self.settings.default_city or City.objects.first()

    @cached_property
    def cities(self) -> list[City]:
        return list(City.objects.all())

    @cached_property
    def channels(self) -> list:
        return list(ChannelPage.objects.live().in_menu().order_by("path"))

    @cached_property
    def friendly_links(self) -> list[FriendlyLink]:
        return list(FriendlyLink.objects.all())

    @cached_property
    def footer_pages(self) -> list:
        wanted = [
            self.settings.privacy_page_id,
            self.settings.contact_page_id,
            self.settings.business_page_id,
            self.settings.careers_page_id,
        ]
        found = Page.objects.live().in_bulk([pk for pk in wanted if pk])
        return [found[pk] for pk in wanted if pk in found]

    @cached_property
    def year(self) -> int:
        return timezone.localdate().year


def site_chrome(request) -> dict:
    return {"chrome": SiteChrome(request)}
