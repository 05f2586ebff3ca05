"""The republishing area of the Wagtail admin: the review queue and its menu item,
the sources' polling status, the reviewer permission and the review log actions."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from ingest import admin_views


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("", admin_views.queue, name="queue"),
        path("<int:candidate_id>/", admin_views.review, name="review"),
        path("sources/", admin_views.sources, name="sources"),
    ]
    return [path("ingest/", include((urls, "ingest_admin")))]


class QueueMenuItem(MenuItem):
    """ "Republishing queue", its label showing how many stories await review."""

    def is_shown(self, request):
        return admin_views.can_review(request.user)

    def render_component(self, request):
        component = super().render_component(request)
        count = admin_views.ready_count(request)
        if count:
            component.label = f"{self.label} ({count})"
        return component


@hooks.register("register_admin_menu_item")
def register_queue_menu_item():
    return QueueMenuItem(
        _("Republishing queue"),
        reverse("ingest_admin:queue"),
        name="ingest-queue",
        icon_name="tasks",
        order=260,
    )


@hooks.register("register_permissions")
def register_review_permission():
    # "Can change candidate" is the reviewer's permission.
    return Permission.objects.filter(
        content_type__app_label="ingest", codename__in=["change_candidate"]
    )


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    review_actions = {
        "publish": (_("Publish republished story"), _("Republished story published")),
        "draft": (_("Draft republished story"), _("Republished story saved as draft")),
        "reject": (_("Reject republished story"), _("Republished story rejected")),
    }
    for action, (label, message) in review_actions.items():
        actions.register_action(admin_views.LOG_PREFIX + action, label, message)
