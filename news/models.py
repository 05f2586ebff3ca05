"""Channels, articles and their monthly archive buckets, sources and keywords."""

import datetime

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Page, PageManager, PageQuerySet
from wagtail.search import index
from wagtail.signals import post_page_move
from wagtail.snippets.models import register_snippet

from comments.models import CommentMode
from core.models import SiteSettings
from core.pagination import paginate
from news.blocks import ArticleBodyBlock


@register_snippet
class Source(models.Model):
    """An outlet whose stories the portal republishes."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), unique=True)
    home_url = models.URLField(_("home page"), blank=True)
    licence_note = models.TextField(
        _("licence note"),
        blank=True,
        help_text=_("On what terms we may republish: agreement, licence, permission."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("home_url"),
        FieldPanel("licence_note"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name


class ChannelPage(Page):
    """A 栏目 such as 澳洲 or 财经; its articles sit in year and month buckets."""

    per_page = 20

    parent_page_types = ["core.HomePage"]
    subpage_types = ["news.ArchiveYearPage", "news.ArticlePage"]

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().filter(channel=self).for_listing()
        context["articles"] = paginate(request, articles, self.per_page)
        return context

    def archive_for(self, moment: datetime.datetime) -> "ArchiveMonthPage":
        """The month bucket for `moment`, created (with its year) when missing."""
        local = timezone.localtime(moment)
        year = (
            ArchiveYearPage.objects.child_of(self).filter(slug=str(local.year)).first()
        )
        if year is None:
            year = self.add_child(
                instance=ArchiveYearPage(
                    title=_("%(year)s archive") % {"year": local.year},
                    slug=str(local.year),
                )
            )
        month_slug = f"{local.month:02d}"
        month = ArchiveMonthPage.objects.child_of(year).filter(slug=month_slug).first()
        if month is None:
            month = year.add_child(
                instance=ArchiveMonthPage(
                    title=_("%(year)s-%(month)02d archive")
                    % {"year": local.year, "month": local.month},
                    slug=month_slug,
                )
            )
        return month

    def add_article(self, article: "ArticlePage") -> "ArticlePage":
        return self.archive_for(article.published_at).add_child(instance=article)


class ArchiveYearPage(Page):
    parent_page_types = ["news.ChannelPage"]
    subpage_types = ["news.ArchiveMonthPage"]

    class Meta:
        verbose_name = _("year archive")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["months"] = self.get_children().live().order_by("-slug")
        return context


class ArchiveMonthPage(Page):
    per_page = 30

    parent_page_types = ["news.ArchiveYearPage"]
    subpage_types = ["news.ArticlePage"]

    class Meta:
        verbose_name = _("month archive")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().child_of(self).for_listing()
        context["articles"] = paginate(request, articles, self.per_page)
        return context


class ArticleQuerySet(PageQuerySet):
    def for_listing(self):
        """What a list of stories needs, in a fixed number of queries."""
        images = get_image_model().objects.prefetch_renditions()
        return (
            self.select_related("source")
            .prefetch_related(models.Prefetch("cover_image", queryset=images))
            .defer("body")
            .order_by("-published_at", "-pk")
        )

    def in_city(self, city):
        return self.filter(cities=city)

    def top_per_channel(self, count: int) -> dict[int, list["ArticlePage"]]:
        """The newest `count` articles of every channel, in one query."""
        ranked = self.annotate(
            channel_rank=Window(
                RowNumber(),
                partition_by=[F("channel_id")],
                order_by=[F("published_at").desc(), F("pk").desc()],
            )
        ).filter(channel_rank__lte=count)
        grouped: dict[int, list[ArticlePage]] = {}
        for article in ranked:
            grouped.setdefault(article.channel_id, []).append(article)
        return grouped


ArticleManager = PageManager.from_queryset(ArticleQuerySet)


class ArticleKeyword(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", related_name="keyword_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    published_at = models.DateTimeField(
        _("publish time"), default=timezone.now, db_index=True
    )
    summary = models.TextField(_("summary"), blank=True, max_length=400)
    byline = models.CharField(_("byline"), max_length=120, blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    original_url = models.URLField(_("original link"), max_length=1000, blank=True)
    is_republished = models.BooleanField(
        _("republished"),
        default=False,
        help_text=_("Shows the republish disclaimer above and below the story."),
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    keywords = ClusterTaggableManager(
        through=ArticleKeyword, blank=True, verbose_name=_("keywords")
    )
    cities = ParentalManyToManyField(
        "editions.City", blank=True, verbose_name=_("cities"), related_name="articles"
    )
    comment_mode = models.CharField(
        _("comments"),
        max_length=12,
        choices=CommentMode.choices,
        blank=True,
        help_text=_("Empty: the site's comment settings."),
    )
    is_headline = models.BooleanField(_("headline"), default=False)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown in lists; the first image of the body when left empty."),
    )
    # Kept in step by save() and post_page_move, so lists need neither body nor tree.
    channel = models.ForeignKey(
        ChannelPage,
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_photo_set = models.BooleanField(default=False, editable=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("keywords"),
        FieldPanel("cities"),
    ]
    promote_panels = [
        *Page.promote_panels,
        MultiFieldPanel(
            [
                FieldPanel("published_at"),
                FieldPanel("byline"),
                FieldPanel("source"),
                FieldPanel("original_url"),
                FieldPanel("is_republished"),
            ],
            heading=_("Attribution"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("cover_image"),
                FieldPanel("is_headline"),
                FieldPanel("comment_mode"),
            ],
            heading=_("Presentation"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("published_at"),
    ]

    parent_page_types = ["news.ArchiveMonthPage", "news.ChannelPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["channel", "-published_at"])]

    @property
    def display_title(self) -> str:
        if self.is_photo_set:
            return _("%(title)s (photo set)") % {"title": self.title}
        return self.title

    @property
    def shows_disclaimer(self) -> bool:
        return self.is_republished and self.source_id is not None

    def numbered_body(self) -> list[tuple]:
        """Each body block with the number of its first image, counted in page order."""
        numbered, number = [], 1
        for block in self.body:
            numbered.append((block, number))
            if block.block_type == "image":
                number += 1
            elif block.block_type == "photo_set":
                number += len(block.value["images"])
        return numbered

    def body_image_ids(self) -> list[int]:
        """Image ids of the body in page order, read from the raw JSON (no queries)."""
        ids = []
        for block in self.body.raw_data:
            value = block.get("value") or {}
            if block.get("type") == "image":
                ids.append(value.get("image"))
            elif block.get("type") == "photo_set":
                for item in value.get("images") or []:
                    # Newer ListBlock items wrap the value: {"type", "value", "id"}.
                    figure = item.get("value", item) if isinstance(item, dict) else {}
                    ids.append(figure.get("image"))
        return [image_id for image_id in ids if image_id]

    def has_photo_set(self) -> bool:
        return any(
            block.get("type") == "photo_set"
            and len(block["value"].get("images") or []) > 1
            for block in self.body.raw_data
        )

    def find_channel(self) -> ChannelPage | None:
        if not self.path:
            return None
        return ChannelPage.objects.ancestor_of(self).first()

    def save(self, *args, **kwargs):
        self.is_photo_set = self.has_photo_set()
        if self.cover_image_id is None:
            self.cover_image_id = next(iter(self.body_image_ids()), None)
        self.channel = self.find_channel()
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.shows_disclaimer:
            context["disclaimer"] = SiteSettings.current(request).disclaimer_for(
                self.source.name
            )
        context["article_keywords"] = list(self.keywords.all())
        from comments.views import section_context

        context.update(section_context(request, self))
        return context


@receiver(post_page_move)
def keep_channel_in_step(sender, instance, **kwargs):
    """A moved article may now belong to another channel."""
    if sender is not None and issubclass(sender, ArticlePage):
        article = ArticlePage.objects.get(pk=instance.pk)
        ArticlePage.objects.filter(pk=article.pk).update(channel=article.find_channel())
