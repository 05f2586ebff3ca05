"""Responsive images for stories; a broken image file never breaks the page."""

import logging

from django import template
from django.utils.html import format_html
from wagtail.images.models import Filter, Picture

register = template.Library()
logger = logging.getLogger(__name__)

# WebP with a JPEG fallback: AVIF took 0.15-0.4 s per rendition here against
# WebP's 0.03-0.09 s, too slow to make on a first page view.
BODY_SPEC = "format-{webp,jpeg}|width-{480,800,1200}"
BODY_SIZES = "(max-width: 820px) 100vw, 780px"
THUMBNAIL_SPEC = "format-{webp,jpeg}|fill-{240x160,480x320}"
THUMBNAIL_SIZES = "(max-width: 600px) 40vw, 240px"
OG_SPEC = "fill-1200x630|format-jpeg"
# A missing file (SourceImageIOError) and an undecodable one (Willow's
# UnrecognisedImageFormatError, Pillow's errors) are all OSErrors.
IMAGE_ERRORS = (OSError, ValueError)


def picture(image, spec: str, attrs: dict) -> str:
    if image is None:
        return ""
    filters = [Filter(spec=one) for one in Filter.expand_spec(spec)]
    try:
        renditions = image.get_renditions(*filters)
    except IMAGE_ERRORS:
        logger.warning("image %s cannot be rendered", image.pk, exc_info=True)
        return ""
    return Picture(renditions, attrs).__html__()


@register.simple_tag
def figure_picture(image, title: str, number: int) -> str:
    """An image of a story, its alt text numbered in page order: "{title} - 3"."""
    attrs = {"alt": f"{title} - {number}", "sizes": BODY_SIZES, "decoding": "async"}
    # The first image is usually above the fold; the others wait until scrolled to.
    attrs["loading"] = "eager" if number == 1 else "lazy"
    return picture(image, BODY_SPEC, attrs)


@register.simple_tag
def thumbnail(image) -> str:
    attrs = {
        "alt": "",
        "sizes": THUMBNAIL_SIZES,
        "loading": "lazy",
        "decoding": "async",
    }
    return picture(image, THUMBNAIL_SPEC, attrs)


@register.simple_tag(takes_context=True)
def og_image(context, image) -> str:
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(OG_SPEC)
    except IMAGE_ERRORS:
        logger.warning("image %s cannot be rendered", image.pk, exc_info=True)
        return ""
    request = context.get("request")
    url = request.build_absolute_uri(rendition.url) if request else rendition.url
    return format_html('<meta property="og:image" content="{}">', url)
