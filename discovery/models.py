"""Views counted per article and hour, related stories worked out in advance, and
专题: editor-curated topic pages."""

from django.db import models, transaction
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.signals import page_published

from core.pagination import paginate
from core.restrictions import ViewRestrictionsMixin


class ArticleViewHour(models.Model):
    """How many readers opened an article in one clock hour (UTC)."""

    article = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="view_hours"
    )
    hour = models.DateTimeField(db_index=True)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "hour"], name="discovery_view_hour_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.hour:%Y-%m-%d %H}: {self.views}"


class RelatedArticle(models.Model):
    """One entry of the 相关新闻 list under `article`, at `position` (0 first)."""

    article = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="related_links"
    )
    related = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="related_in"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "related"], name="discovery_related_unique"
            )
        ]


class ArticleTerm(models.Model):
    """One of an article's top TF-IDF terms; articles sharing terms are similar."""

    article = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="+"
    )
    term = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "term"], name="discovery_term_unique"
            )
        ]


class TopicIndexPage(ViewRestrictionsMixin, Page):
    """The list of every 专题."""

    per_page = 20

    parent_page_types = ["core.HomePage"]
    subpage_types = ["discovery.TopicPage"]

    class Meta:
        verbose_name = _("topic index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        topics = (
            TopicPage.objects.live()
            .child_of(self)
            .select_related("cover_image")
            .order_by("-first_published_at", "-pk")
        )
        context["topics"] = paginate(request, topics, self.per_page)
        return context


class TopicPage(ViewRestrictionsMixin, Page):
    """A 专题: stories an editor grouped under one subject, in the editor's order."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        InlinePanel("items", label=_("Articles")),
    ]
    parent_page_types = ["discovery.TopicIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def articles(self):
        """The topic's live articles in the editor's order, ready for a list."""
        from news.models import ArticlePage

        return (
            ArticlePage.objects.live()
            .filter(topic_items__topic=self)
            .for_listing()
            .order_by("topic_items__sort_order", "-published_at")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = list(self.articles())
        return context


class TopicItem(Orderable):
    topic = ParentalKey(TopicPage, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="topic_items",
    )

    panels = [PageChooserPanel("article", "news.ArticlePage")]


@receiver(page_published)
def refresh_related_on_publish(sender, instance, **kwargs):
    """A published or updated article gets its related stories worked out again."""
    from news.models import ArticlePage

    if not issubclass(sender, ArticlePage):
        return
    from discovery.tasks import refresh_related

    article_id = instance.pk
    transaction.on_commit(lambda: refresh_related.enqueue(article_id=article_id))
