"""Admin behaviour for news: file new articles into their month, the Source snippet
with its takedown action, and the takedown's entry in the audit log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from news import admin_views
from news.models import TAKEDOWN_ACTION, ArticlePage, ChannelPage, Source


@hooks.register("after_create_page")
def file_article_into_month(request, page):
    """Editors add articles to a channel; the article moves into its month bucket."""
    if not isinstance(page, ArticlePage):
        return
    parent = page.get_parent().specific
    if isinstance(parent, ChannelPage):
        page.move(parent.archive_for(page.published_at), pos="last-child")


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "site"
    list_display = ["name", "kind", "poll_minutes", "auto_publish", "is_active"]
    list_filter = ["kind", "is_active", "auto_publish"]
    search_fields = ["name", "slug"]


register_snippet(SourceViewSet)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "sources/<int:source_id>/takedown/",
            admin_views.takedown,
            name="news_source_takedown",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def source_takedown_button(snippet, user, next_url=None):
    if isinstance(snippet, Source) and admin_views.can_take_down(user):
        yield Button(
            _("Take down all its articles"),
            reverse("news_source_takedown", args=[snippet.pk]),
            icon_name="cross",
            priority=90,
        )


class TakedownMenuItem(ActionMenuItem):
    """The same action from the source's edit page."""

    label = _("Take down all its articles")
    name = "action-takedown"
    icon_name = "cross"

    def is_shown(self, context):
        return context["view"] == "edit" and admin_views.can_take_down(
            context["request"].user
        )

    def get_url(self, parent_context):
        return reverse("news_source_takedown", args=[parent_context["instance"].pk])


@hooks.register("register_snippet_action_menu_item")
def source_takedown_menu_item(model):
    if model is Source:
        return TakedownMenuItem(order=50)
    return None


class TakedownFormatter(LogFormatter):
    label = _("Take a source down")

    def format_message(self, log_entry):
        return _("Source taken down: %(count)s articles unpublished") % {
            "count": log_entry.data.get("articles", 0)
        }

    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


@hooks.register("register_log_actions")
def register_takedown_log_action(actions):
    actions.register_action(TAKEDOWN_ACTION)(TakedownFormatter)
