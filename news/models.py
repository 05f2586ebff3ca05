"""Channels, articles and their monthly archive buckets, sources and keywords."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import connection, models, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page, PageManager, PageQuerySet
from wagtail.search import index
from wagtail.signals import post_page_move

from comments.models import CommentMode
from core.models import SiteSettings
from core.pagination import paginate
from core.restrictions import ViewRestrictionsMixin
from news.blocks import ArticleBodyBlock

TAKEDOWN_ACTION = "huaxun_news.takedown"


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS/Atom feed")
    SITEMAP = "sitemap", _("Sitemap or news sitemap")
    URLS = "urls", _("A list of article URLs entered by hand")


class ScriptConversion(models.TextChoices):
    NONE = "", _("No conversion")
    T2S = "t2s", _("To Simplified Chinese")
    S2T = "s2t", _("To Traditional Chinese")
    S2HK = "s2hk", _("To Traditional Chinese (Hong Kong)")
    S2TW = "s2tw", _("To Traditional Chinese (Taiwan)")


class SearchEngines(models.TextChoices):
    CANONICAL = "canonical", _("Point search engines to the original (rel=canonical)")
    NOINDEX = "noindex", _("Keep our copy out of search engines (noindex)")


class Source(models.Model):
    """An outlet whose stories the portal republishes, and how we fetch them."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), unique=True)
    home_url = models.URLField(_("home page"), blank=True)
    licence_note = models.TextField(
        _("licence note"),
        blank=True,
        help_text=_("On what terms we may republish: agreement, licence, permission."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive sources are not fetched."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=SourceKind.choices,
        default=SourceKind.RSS,
        help_text=_("Where new stories of this outlet are found."),
    )
    feed_url = models.URLField(
        _("feed or sitemap URL"),
        max_length=1000,
        blank=True,
        help_text=_("Required for an RSS/Atom feed or a sitemap."),
    )
    url_list = models.TextField(
        _("article URLs"),
        blank=True,
        help_text=_("One URL per line; required for a list entered by hand."),
    )
    poll_minutes = models.PositiveIntegerField(
        _("check every (minutes)"),
        default=60,
        validators=[MinValueValidator(15)],
        help_text=_("How often to look for new stories; at least 15 minutes."),
    )
    encoding_override = models.CharField(
        _("encoding override"),
        max_length=20,
        blank=True,
        help_text=_(
            "Only when the outlet declares its encoding wrongly, e.g. gbk. "
            "Empty: detect it."
        ),
    )
    default_channel = models.ForeignKey(
        "news.ChannelPage",
        verbose_name=_("default channel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where new stories of this outlet are filed."),
    )
    default_cities = models.ManyToManyField(
        "editions.City",
        verbose_name=_("default cities"),
        blank=True,
        related_name="+",
        help_text=_("The cities new stories of this outlet are tagged with."),
    )
    script_conversion = models.CharField(
        _("script conversion"),
        max_length=4,
        choices=ScriptConversion.choices,
        blank=True,
        default=ScriptConversion.NONE,
        help_text=_("Convert the text of new stories between Chinese scripts."),
    )
    auto_publish = models.BooleanField(
        _("publish automatically"),
        default=False,
        help_text=_(
            "Publish new stories at once instead of waiting for an editor's review."
        ),
    )
    search_engines = models.CharField(
        _("search engines"),
        max_length=10,
        choices=SearchEngines.choices,
        default=SearchEngines.CANONICAL,
        help_text=_("How search engines should treat our copies of its stories."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("slug"),
                FieldPanel("home_url"),
                FieldPanel("licence_note"),
                FieldPanel("is_active"),
            ],
            heading=_("Outlet"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("feed_url"),
                FieldPanel("url_list"),
                FieldPanel("poll_minutes"),
                FieldPanel("encoding_override"),
            ],
            heading=_("Fetching"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("default_channel"),
                FieldPanel("default_cities"),
                FieldPanel("script_conversion"),
                FieldPanel("auto_publish"),
                FieldPanel("search_engines"),
            ],
            heading=_("Publishing"),
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.kind in (SourceKind.RSS, SourceKind.SITEMAP) and not self.feed_url:
            raise ValidationError({"feed_url": _("A feed or a sitemap needs its URL.")})
        if self.kind == SourceKind.URLS:
            urls = self.article_urls()
            if not urls:
                raise ValidationError(
                    {"url_list": _("Enter at least one article URL.")}
                )
            check = URLValidator(schemes=["http", "https"])
            for url in urls:
                try:
                    check(url)
                except ValidationError:
                    raise ValidationError(
                        {"url_list": _("Not a web address: %(url)s") % {"url": url}}
                    ) from None

    def article_urls(self) -> list[str]:
        return [line.strip() for line in self.url_list.splitlines() if line.strip()]

    @transaction.atomic
    def take_down(self, user, reason: str) -> int:
        """Unpublish every live story of this outlet and stop fetching it; logged.

        Returns how many articles were unpublished."""
        articles = list(ArticlePage.objects.live().filter(source=self))
        for article in articles:
            # The caller has checked the user's right to take a whole source down.
            UnpublishPageAction(article, user=user).execute(skip_permission_checks=True)
        self.is_active = False
        self.save(update_fields=["is_active"])
        log(
            instance=self,
            action=TAKEDOWN_ACTION,
            user=user,
            data={"reason": reason, "articles": len(articles)},
        )
        return len(articles)


class ChannelPage(ViewRestrictionsMixin, Page):
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


class ArchiveYearPage(ViewRestrictionsMixin, Page):
    parent_page_types = ["news.ChannelPage"]
    subpage_types = ["news.ArchiveMonthPage"]

    class Meta:
        verbose_name = _("year archive")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["months"] = self.get_children().live().order_by("-slug")
        return context


class ArchiveMonthPage(ViewRestrictionsMixin, Page):
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
        """The newest `count` articles of every channel, in one query.

        Where the database takes a LIMIT inside a UNION (PostgreSQL), one slice per
        channel, each read from the (channel, -published_at) index: a window over
        every article took 3.5 s at a million articles. SQLite numbers the rows
        with a window function instead, which is fine at its sizes.
        """
        if connection.features.supports_slicing_ordering_in_compound:
            channel_ids = list(ChannelPage.objects.values_list("pk", flat=True))
            if not channel_ids:
                return {}
            ordered = self.order_by("-published_at", "-pk")
            slices = [ordered.filter(channel_id=pk)[:count] for pk in channel_ids]
            ranked = slices[0].union(*slices[1:], all=True)
        else:
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
        for articles in grouped.values():
            articles.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
        return grouped


ArticleManager = PageManager.from_queryset(ArticleQuerySet)


class ArticleKeyword(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", related_name="keyword_items", on_delete=models.CASCADE
    )


class CorrectionKind(models.TextChoices):
    NONE = "", _("None")
    CORRECTION = "correction", _("Correction")
    RETRACTION = "retraction", _("Retraction")


class ArticlePage(ViewRestrictionsMixin, Page):
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
    correction_kind = models.CharField(
        _("correction or retraction"),
        max_length=10,
        choices=CorrectionKind.choices,
        blank=True,
        default=CorrectionKind.NONE,
    )
    correction_note = models.TextField(
        _("correction note"),
        blank=True,
        help_text=_("What was wrong, what changed; shown above the story."),
    )
    corrected_at = models.DateTimeField(
        _("corrected at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the note is first given."),
    )
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
        MultiFieldPanel(
            [FieldPanel("correction_kind"), FieldPanel("correction_note")],
            heading=_("Corrections"),
        ),
    ]
    # Weighted title > keywords > summary and body; see docs/search.md.
    search_fields = [
        *Page.search_fields,
        index.SearchField("title", boost=3),
        index.RelatedFields("keywords", [index.SearchField("name", boost=2)]),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("published_at"),
        index.FilterField("channel"),
    ]

    parent_page_types = ["news.ArchiveMonthPage", "news.ChannelPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["channel", "-published_at"]),
            # The front page's three headlines: without it, the newest-first walk
            # read past every other article (200 ms at a million).
            models.Index(
                fields=["-published_at"],
                condition=models.Q(is_headline=True),
                name="news_article_headlines",
            ),
        ]

    @property
    def display_title(self) -> str:
        if self.is_photo_set:
            return _("%(title)s (photo set)") % {"title": self.title}
        return self.title

    @property
    def shows_disclaimer(self) -> bool:
        return self.is_republished and self.source_id is not None

    @property
    def canonical_original_url(self) -> str:
        """The original's address when search engines should credit it, else ""."""
        if (
            self.shows_disclaimer
            and self.original_url
            and self.source.search_engines == SearchEngines.CANONICAL
        ):
            return self.original_url
        return ""

    @property
    def is_noindex(self) -> bool:
        return (
            self.shows_disclaimer
            and self.source.search_engines == SearchEngines.NOINDEX
        )

    def clean(self):
        super().clean()
        if self.correction_kind and not self.correction_note.strip():
            raise ValidationError(
                {
                    "correction_note": _(
                        "Say what was corrected or why it was retracted."
                    )
                }
            )
        if self.correction_note.strip() and not self.correction_kind:
            raise ValidationError(
                {"correction_kind": _("Choose a correction or a retraction.")}
            )
        # In clean() too, so the time lands in the revision the editor saves.
        self.stamp_correction()

    def stamp_correction(self) -> None:
        if not self.correction_note.strip():
            self.corrected_at = None
        elif self.corrected_at is None:
            self.corrected_at = timezone.now()

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
        self.stamp_correction()
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.shows_disclaimer:
            context["disclaimer"] = SiteSettings.current(request).disclaimer_for(
                self.source.name
            )
        # Read only when a fragment that shows them is rendered, not kept.
        context["article_keywords"] = SimpleLazyObject(
            lambda: list(self.keywords.all())
        )
        # The article's fragments are kept per publication. A preview shows a draft
        # under the live page's id: a key of its own, and nothing kept.
        if getattr(request, "is_preview", False):
            context["fragment_version"] = uuid.uuid4().hex
            context["fragment_seconds"] = 0
        else:
            context["fragment_version"] = self.last_published_at
            context["fragment_seconds"] = settings.FRAGMENT_SECONDS
        from comments.views import section_context

        context.update(section_context(request, self))
        return context


@receiver(post_page_move)
def keep_channel_in_step(sender, instance, **kwargs):
    """A moved article may now belong to another channel."""
    if sender is not None and issubclass(sender, ArticlePage):
        article = ArticlePage.objects.get(pk=instance.pk)
        ArticlePage.objects.filter(pk=article.pk).update(channel=article.find_channel())
