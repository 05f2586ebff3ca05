"""The blocks an article body is made of."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class FigureBlock(blocks.StructBlock):
    """An image with its caption and the photographer's or agency's credit."""

    image = ImageChooserBlock(label=_("image"))
    caption = blocks.TextBlock(label=_("caption"), required=False, max_length=500)
    credit = blocks.CharBlock(
        label=_("credit"),
        required=False,
        max_length=120,
        help_text=_("Photographer or agency, e.g. LIN QIAO/SOUTHERN CROSS DAILY"),
    )

    class Meta:
        icon = "image"
        template = "news/blocks/figure.html"


class PhotoSetBlock(blocks.StructBlock):
    """Several numbered images shown one after another: a 组图."""

    images = blocks.ListBlock(FigureBlock(), min_num=2, label=_("images"))

    class Meta:
        icon = "doc-full-inverse"
        template = "news/blocks/photo_set.html"
        label = _("photo set")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quotation"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False)

    class Meta:
        icon = "openquote"
        template = "news/blocks/quote.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "h2", "h3", "ol", "ul"],
        label=_("paragraph"),
        template="news/blocks/paragraph.html",
    )
    image = FigureBlock(label=_("image"))
    photo_set = PhotoSetBlock()
    quote = QuoteBlock(label=_("quote"))
    embed = EmbedBlock(label=_("embed"), template="news/blocks/embed.html")
