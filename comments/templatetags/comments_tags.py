"""Comment text as HTML: escaped, links made clickable, line breaks kept."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Chinese text rarely puts spaces around a URL, so a link ends at the first CJK
# character or full-width punctuation as well as at whitespace and quotes.
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}"
BLANK_LINES_RE = re.compile(r"\n{3,}")


@register.filter
def comment_body(text: str) -> SafeString:
    text = BLANK_LINES_RE.sub("\n\n", text.strip())
    parts, position = [], 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        if len(url) < 8:
            continue
        href = (
            url if url.lower().startswith(("http://", "https://")) else f"http://{url}"
        )
        parts.append(escape(text[position : match.start()]))
        parts.append(
            format_html(
                '<a href="{}" rel="nofollow ugc noopener" target="_blank">{}</a>',
                href,
                url,
            )
        )
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # each part escaped


@register.filter
def editable_by(comment, user) -> bool:
    return comment.can_edit(user)


@register.filter
def deletable_by(comment, user) -> bool:
    return comment.can_delete(user)
