from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        # Connects the signals that make every process rebuild its word filter
        # when FilterWord rows change.
        import comments.wordfilter  # noqa: F401
        from comments.models import comments_changed
        from comments.views import forget_lists

        comments_changed.connect(forget_lists)
