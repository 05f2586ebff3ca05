"""Turn an extracted article into `ArticlePage.body` StreamField data, allow-list only.

Text from other sites is escaped, then passed through nh3 so nothing but plain
paragraphs, emphasis and nofollow links can reach the page.
"""

from __future__ import annotations

import html
import re

import nh3

from ingest.extract import Extracted

ALLOWED_TAGS = {"p", "br", "strong", "em", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
# FigureBlock's max_length for caption and credit (news/blocks.py).
CAPTION_MAX, CREDIT_MAX = 500, 120
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize(fragment: str) -> str:
    """Reduce an HTML fragment to the allow-list; links get rel="nofollow noopener"."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel="nofollow noopener",
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    )


def _plain(text: str) -> str:
    return CONTROL.sub("", text).strip()


def paragraph_html(text: str) -> str:
    return sanitize(f"<p>{html.escape(_plain(text), quote=False)}</p>")


def body_blocks(extracted: Extracted) -> list[dict]:
    """The article body as raw StreamField data, in page order.

    Images are not downloaded here: each comes back as an ``image_pending`` block
    (``{"src", "caption", "credit"}``) for a later step to turn into a Wagtail
    image and an ``image`` block.
    """
    body = []
    for block in extracted.blocks:
        kind = block["type"]
        if kind == "paragraph" and _plain(block["text"]):
            body.append({"type": "paragraph", "value": paragraph_html(block["text"])})
        elif kind == "quote" and _plain(block["text"]):
            # QuoteBlock.text is a TextBlock: stored as text, escaped when rendered.
            value = {"text": _plain(block["text"]), "attribution": ""}
            body.append({"type": "quote", "value": value})
        elif kind == "image":
            value = {
                "src": block["src"],
                "caption": _plain(block["caption"])[:CAPTION_MAX],
                "credit": _plain(block["credit"])[:CREDIT_MAX],
            }
            body.append({"type": "image_pending", "value": value})
    return body
