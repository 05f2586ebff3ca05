from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "portal_search"
    verbose_name = _("Search")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from taggit.models import Tag
        from wagtail.signals import page_published

        from editions.models import City
        from news.models import ArticlePage
        from search.backend import reindex_after_publish
        from search.segment import dictionary_changed

        page_published.connect(reindex_after_publish, sender=ArticlePage)

        # New cities and keywords join the segmenter's dictionary.
        for model in (City, Tag):
            post_save.connect(dictionary_changed, sender=model, dispatch_uid=model)
            post_delete.connect(dictionary_changed, sender=model, dispatch_uid=model)
