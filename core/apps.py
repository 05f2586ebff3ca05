from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Site")

    def ready(self):
        from comments.models import comments_changed
        from core import invalidation

        comments_changed.connect(invalidation.purge_article_comments)
