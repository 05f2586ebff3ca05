"""Search result snippets: the matched words of the folded text wrapped in <mark>."""

import html
import re

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from search.segment import fold_char

SNIPPET_CHARS = 120
LEAD_CHARS = 20
_SPACE = re.compile(r"\s+")


def plain_text(raw_blocks) -> str:
    """The readable text of a StreamField's raw data, without touching the database."""
    parts = []

    def walk(value):
        if isinstance(value, str):
            if not value.startswith(("http://", "https://", "/")):
                parts.append(html.unescape(strip_tags(value)))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("type", "id", "image", "url", "credit"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(list(raw_blocks))  # a StreamValue's RawDataView is no list
    return _SPACE.sub(" ", " ".join(parts)).strip()


def match_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where `words` (folded) occur in `text`, as merged spans of the original text.

    Matching runs on the text folded character by character, so a Traditional query
    marks Simplified text and the reverse.
    """
    folded, origin = [], []
    for index, char in enumerate(text):
        for folded_char in fold_char(char):
            folded.append(folded_char)
            origin.append(index)
    haystack = "".join(folded)
    spans = []
    for word in words:
        start = haystack.find(word)
        while start != -1:
            end = start + len(word)
            spans.append((origin[start], origin[end - 1] + 1))
            start = haystack.find(word, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]]) -> SafeString:
    out, position = [], 0
    for start, end in spans:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def highlight(text: str, words: list[str]) -> SafeString:
    return mark(text, match_spans(text, words))


def snippet(text: str, words: list[str], length: int = SNIPPET_CHARS) -> SafeString:
    """About `length` characters of `text` around its first match, matches marked."""
    spans = match_spans(text, words)
    start = max(spans[0][0] - LEAD_CHARS, 0) if spans else 0
    end = min(start + length, len(text))
    window = [
        (max(s, start) - start, min(e, end) - start)
        for s, e in spans
        if s < end and e > start
    ]
    body = mark(text[start:end], window)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)
