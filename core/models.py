"""The site shell: home page, ordinary pages, and the header and footer settings."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page, Site
from wagtail.snippets.models import register_snippet

from core.pagination import paginate
from core.restrictions import ViewRestrictionsMixin

DEFAULT_REPUBLISH_DISCLAIMER = (
    "本文转载自{source},内容及观点仅代表原作者和原出处,本站转载旨在传递更多信息,"
    "不代表本站赞同其观点或证实其内容。如涉及版权问题,请与我们联系。"
)
DEFAULT_COMMENTS_DISCLAIMER = (
    "评论仅代表网友个人看法,与本站立场无关。请文明发言,遵守当地法律法规。"
)


def page_link(label) -> models.ForeignKey:
    """A setting that points at one page of the site, such as the privacy page."""
    return models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class CurrentSiteSetting(BaseSiteSetting):
    """A site setting that code outside a request can read too."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls, request=None):
        """The settings of the request's site, or of the default site."""
        if request is not None:
            return cls.for_request(request)
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        if site is None:
            return cls()
        return cls.for_site(site)


@register_setting(icon="cog")
class SiteSettings(CurrentSiteSetting):
    site_name = models.CharField(_("site name"), max_length=40, default="华讯")
    slogan = models.CharField(_("slogan"), max_length=80, blank=True)
    default_city = models.ForeignKey(
        "editions.City",
        verbose_name=_("default city"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nickname_prefix = models.CharField(
        _("nickname prefix"),
        max_length=15,
        default="华人居民",
        help_text=_("New accounts are called this prefix plus 5 random characters."),
    )
    app_download_page = page_link(_("app download page"))
    app_store_url = models.URLField(_("App Store link"), blank=True)
    google_play_url = models.URLField(_("Google Play link"), blank=True)
    republish_disclaimer = models.TextField(
        _("republish disclaimer"),
        default=DEFAULT_REPUBLISH_DISCLAIMER,
        help_text=_(
            "Shown above and below republished articles; {source} is replaced."
        ),
    )
    comments_disclaimer = models.TextField(
        _("comments disclaimer"), default=DEFAULT_COMMENTS_DISCLAIMER
    )
    copyright_holder = models.CharField(
        _("copyright holder"), max_length=80, blank=True
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    business_email = models.EmailField(_("business e-mail"), blank=True)
    news_tip_email = models.EmailField(_("news tip e-mail"), blank=True)
    legal_counsel = models.CharField(
        _("legal counsel line"),
        max_length=120,
        blank=True,
        help_text=_("A sponsor's one-line notice, e.g. a law firm."),
    )
    legal_counsel_url = models.URLField(_("legal counsel link"), blank=True)
    privacy_page = page_link(_("privacy page"))
    contact_page = page_link(_("contact page"))
    business_page = page_link(_("business page"))
    careers_page = page_link(_("careers page"))

    panels = [
        MultiFieldPanel(
            ["site_name", "slogan", "default_city", "nickname_prefix"],
            heading=_("Header"),
        ),
        MultiFieldPanel(
            ["app_download_page", "app_store_url", "google_play_url"],
            heading=_("Mobile app"),
        ),
        MultiFieldPanel(
            ["republish_disclaimer", "comments_disclaimer"], heading=_("Disclaimers")
        ),
        MultiFieldPanel(
            [
                "copyright_holder",
                "phone",
                "contact_email",
                "business_email",
                "news_tip_email",
                "legal_counsel",
                "legal_counsel_url",
            ],
            heading=_("Footer"),
        ),
        MultiFieldPanel(
            ["privacy_page", "contact_page", "business_page", "careers_page"],
            heading=_("Footer pages"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    def disclaimer_for(self, source_name: str) -> str:
        return self.republish_disclaimer.replace("{source}", source_name)


@register_snippet
class FriendlyLink(models.Model):
    name = models.CharField(_("name"), max_length=40)
    url = models.URLField(_("link"))
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("url"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("friendly link")
        verbose_name_plural = _("friendly links")

    def __str__(self) -> str:
        return self.name


class HomePage(ViewRestrictionsMixin, Page):
    """The front page: headlines, the latest stories, and a block per channel."""

    latest_per_page = 20
    per_channel = 6

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "news.ChannelPage",
        "core.StandardPage",
        "discovery.TopicIndexPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find the page the path names by its `url_path`, in two queries.

        Wagtail walks down the tree, two queries a level: seven levels (ten queries)
        for an article under its channel, year and month. No page type of ours
        routes its own sub-paths, so a path that is some page's `url_path` is that
        page; any other path takes Wagtail's walk, which raises the 404. A page type
        that overrides `route` (a RoutablePageMixin) still gets its sub-paths, since
        they are nobody's `url_path`.
        """
        if path_components:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            found = (
                Page.objects.filter(url_path=url_path)
                .values_list("pk", "content_type_id")
                .first()
            )
            if found is not None:
                model = ContentType.objects.get_for_id(found[1]).model_class()
                page = model and model.objects.filter(pk=found[0]).first()
                if page is not None:
                    return page.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        # news builds on core (its pages read SiteSettings), so import it late.
        from news.models import ArticlePage, ChannelPage

        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().descendant_of(self).for_listing()
        context["latest"] = latest = paginate(request, articles, self.latest_per_page)
        if latest.number > 1:
            # Older pages are just the list: no headlines, no channel blocks.
            return context
        context["headlines"] = list(articles.filter(is_headline=True)[:3])
        channels = list(ChannelPage.objects.live().child_of(self).specific())
        by_channel = articles.top_per_channel(self.per_channel)
        context["channel_blocks"] = [
            (channel, by_channel.get(channel.pk, [])) for channel in channels
        ]
        return context


class StandardPage(ViewRestrictionsMixin, Page):
    """An ordinary page such as 隐私条款 or 联系我们."""

    body = StreamField(
        [
            (
                "paragraph",
                blocks.RichTextBlock(
                    features=["bold", "italic", "link", "ol", "ul", "h2", "h3"]
                ),
            ),
            ("image", ImageChooserBlock()),
        ],
        blank=True,
        verbose_name=_("body"),
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["core.HomePage", "core.StandardPage"]
    subpage_types = ["core.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
