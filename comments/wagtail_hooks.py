"""The comments area of the Wagtail admin: moderation views and menu, the word-filter
snippet, the moderator permission and the moderation actions of the audit log."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.admin_url_finder import (
    ModelAdminURLFinder,
    register_admin_url_finder,
)
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from comments import admin_views
from comments.models import Comment, FilterWord

SUBMENU_HOOK = "register_comments_menu_item"


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("", admin_views.queue, name="queue"),
        path("action/", admin_views.bulk_action, name="bulk"),
        path("users/<int:user_id>/sanction/", admin_views.sanction, name="sanction"),
        path("log/", admin_views.moderation_log, name="log"),
    ]
    return [path("comments/", include((urls, "comments_admin")))]


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_moderate(request.user)


@hooks.register(SUBMENU_HOOK)
def register_queue_menu_item():
    return ModeratorMenuItem(
        _("Moderation queue"),
        reverse("comments_admin:queue"),
        name="comment-queue",
        icon_name="tasks",
        order=100,
    )


@hooks.register(SUBMENU_HOOK)
def register_log_menu_item():
    return ModeratorMenuItem(
        _("Moderation log"),
        reverse("comments_admin:log"),
        name="comment-log",
        icon_name="history",
        order=200,
    )


class CommentsMenuItem(SubmenuMenuItem):
    """The "Comments" menu, its label showing how many comments await review."""

    def render_component(self, request):
        label = self.label
        if admin_views.can_moderate(request.user):
            count = admin_views.pending_count(request)
            if count:
                label = f"{self.label} ({count})"
        component = super().render_component(request)
        component.label = label
        return component


class FilterWordViewSet(SnippetViewSet):
    model = FilterWord
    icon = "warning"
    menu_label = _("Filtered words")
    menu_order = 300
    list_display = ["word", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["word"]


class CommentsViewSetGroup(SnippetViewSetGroup):
    items = (FilterWordViewSet,)
    menu_label = _("Comments")
    menu_name = "comments"
    menu_icon = "comment"
    menu_order = 250
    submenu_hook = SUBMENU_HOOK

    def get_menu_item(self, order=None):
        return CommentsMenuItem(
            label=self.menu_label,
            menu=Menu(
                register_hook_name=self.submenu_hook, items=self.get_submenu_items()
            ),
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=self.get_menu_item_order(order),
        )


register_snippet(CommentsViewSetGroup)


class CommentAdminURLFinder(ModelAdminURLFinder):
    """Site history links a comment to its row in the moderation queue."""

    def construct_edit_url(self, instance):
        return f"{reverse('comments_admin:queue')}?tab=all&comment={instance.pk}"


register_admin_url_finder(Comment, CommentAdminURLFinder)


@hooks.register("register_permissions")
def register_moderation_permission():
    # "Can change comment" is the moderator's permission.
    return Permission.objects.filter(
        content_type__app_label="comments", codename__in=["change_comment"]
    )


class SanctionFormatter(LogFormatter):
    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    comment_actions = {
        "approve": (_("Approve comment"), _("Comment approved")),
        "hide": (_("Hide comment"), _("Comment hidden")),
        "delete": (_("Delete comment"), _("Comment deleted")),
        "pin": (_("Pin comment"), _("Comment pinned")),
        "unpin": (_("Unpin comment"), _("Comment unpinned")),
        "feature": (_("Feature comment"), _("Comment featured")),
        "unfeature": (_("Unfeature comment"), _("Comment no longer featured")),
    }
    for action, (label, message) in comment_actions.items():
        actions.register_action(admin_views.LOG_PREFIX + action, label, message)

    sanctions = {
        "ban": (_("Ban reader"), _("Reader banned")),
        "mute": (_("Mute reader"), _("Reader muted")),
        "lift_sanction": (_("Lift reader's sanction"), _("Ban and mute lifted")),
    }
    for action, (label, message) in sanctions.items():
        formatter = type(
            "SanctionFormatter",
            (SanctionFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(admin_views.LOG_PREFIX + action)(formatter)
