"""The City editions area of the Wagtail admin: cities are edited here (a portal for
Vancouver or Auckland is configuration), and rejected provider readings inspected."""

from django.utils.translation import gettext_lazy as _
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from editions.models import City, RejectedReading


class CityViewSet(SnippetViewSet):
    model = City
    icon = "site"
    menu_label = _("Cities")
    list_display = ["name", "name_en", "currency", "weather_provider", "sort_order"]
    list_filter = ["weather_provider", "currency"]
    search_fields = ["name", "name_en", "slug"]
    ordering = ["sort_order", "name_en"]


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Rows written by the refresh tasks: operators may look and delete, not edit."""

    def user_has_permission(self, user, action):
        return action not in {"add", "change"} and super().user_has_permission(
            user, action
        )


register_permission_policy(RejectedReading, ReadOnlyPolicy(RejectedReading))


class RejectedReadingViewSet(SnippetViewSet):
    model = RejectedReading
    icon = "warning"
    menu_label = _("Rejected readings")
    list_display = ["created_at", "kind", "provider", "city", "reason"]
    list_filter = ["kind", "provider"]
    inspect_view_enabled = True
    copy_view_enabled = False


class EditionsViewSetGroup(SnippetViewSetGroup):
    items = (CityViewSet, RejectedReadingViewSet)
    menu_label = _("City editions")
    menu_name = "editions"
    menu_icon = "site"
    menu_order = 260


register_snippet(EditionsViewSetGroup)
