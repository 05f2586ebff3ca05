"""Rewrite a rendered HTML page into a script variant without re-serialising it.

A tokenizer walks the tags and converts the text between them and a few readable
attributes; internal links get the variant's prefix. Everything else, entities
included, stays byte for byte as the template rendered it.
"""

import re

from django.conf import settings

from .conversion import VARIANTS, Variant, convert_text

TOKEN = re.compile(
    r"""
      (?P<comment><!--.*?(?:-->|\Z))
    | (?P<cdata><!\[CDATA\[.*?(?:\]\]>|\Z))
    | (?P<declaration><[!?][^>]*>?)
    | </(?P<end>[a-zA-Z][^\s/>]*)[^>]*>
    | <(?P<start>[a-zA-Z][^\s/>]*)(?P<attrs>(?:"[^"]*"|'[^']*'|[^'">])*)>
    """,
    re.S | re.X,
)
ATTRIBUTE = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+)))?"""
)
RAW_TEXT = {"script", "style", "textarea", "title"}  # no tags inside, up to </name
NOT_CONVERTED = {"script", "style", "textarea", "code", "pre", "kbd", "samp"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr",
}  # fmt: skip
READABLE = {"title", "alt", "placeholder", "aria-label"}
LINKS = {
    "href", "src", "action", "formaction", "poster", "hx-get", "hx-post", "hx-put",
    "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url",
}  # fmt: skip
META_CONVERTED = {
    "description", "keywords", "og:title", "og:description", "twitter:title",
    "twitter:description",
}  # fmt: skip
INPUT_BUTTONS = {"submit", "button", "reset"}


def unprefixed_paths() -> tuple[str, ...]:
    """Paths that are the same in every variant: files, the admin, the switch."""
    own = ("/admin/", "/django-admin/", "/documents/", "/variant/")
    files = (settings.STATIC_URL, settings.MEDIA_URL)
    prefixes = tuple(f"{v.prefix}/" for v in VARIANTS.values() if v.prefix)
    return own + tuple(f"/{f.strip('/')}/" for f in files if f) + prefixes


def prefix_link(url: str, variant: Variant, keep: tuple[str, ...] = ()) -> str:
    """`/news/x/` becomes `/zh-hant/news/x/`; outside and unprefixed paths stay."""
    if not variant.prefix or not url.startswith("/") or url.startswith("//"):
        return url
    if url.startswith(keep or unprefixed_paths()):
        return url
    return variant.prefix + url


def rewrite_html(html: str, variant: Variant) -> str:
    """The page in `variant`: text converted, internal links prefixed."""
    if not variant.opencc_config:
        return html
    config = variant.opencc_config
    keep = unprefixed_paths()
    out: list[str] = []
    skip_tag = ""  # inside this element nothing is converted …
    skip_depth = 0  # … until as many of its end tags as start tags were seen
    pos = 0
    length = len(html)
    while pos < length:
        match = TOKEN.search(html, pos)
        end = match.start() if match else length
        if end > pos:
            out.append(_text(html[pos:end], config, skip_tag))
        if not match:
            break
        pos = match.end()
        name = (match["start"] or match["end"] or "").lower()
        if match["end"]:
            out.append(match[0])
            if skip_tag == name:
                skip_depth -= 1
                if skip_depth == 0:
                    skip_tag = ""
            continue
        if not match["start"]:
            out.append(match[0])  # comments, CDATA, the doctype
            continue

        attrs = match["attrs"]
        opts_out = _translate_no(attrs)
        converting = not skip_tag and not opts_out
        out.append(html[match.start() : match.start("attrs")])
        out.append(_attributes(name, attrs, variant, converting, keep))
        out.append(">")
        if skip_tag:
            if name == skip_tag:
                skip_depth += 1
        elif (name in NOT_CONVERTED or opts_out) and name not in VOID:
            if not attrs.rstrip().endswith("/"):
                skip_tag, skip_depth = name, 1

        if name in RAW_TEXT:
            close = re.compile(rf"</{name}[\s/>]", re.I).search(html, pos)
            raw_end = close.start() if close else length
            raw = html[pos:raw_end]
            out.append(_text(raw, config, skip_tag) if name == "title" else raw)
            pos = raw_end
    return "".join(out)


def _text(text: str, config: str, skip_tag: str) -> str:
    if skip_tag or text.isascii():
        return text
    return convert_text(config, text)


def _translate_no(attrs: str) -> bool:
    if "translate" not in attrs.lower():
        return False
    for attr in ATTRIBUTE.finditer(attrs):
        if attr[1].lower() == "translate":
            value = attr["dq"] or attr["sq"] or attr["bare"] or ""
            return value.strip().lower() == "no"
    return False


def _attributes(
    tag: str, attrs: str, variant: Variant, converting: bool, keep: tuple[str, ...]
) -> str:
    if "=" not in attrs:
        return attrs
    found = list(ATTRIBUTE.finditer(attrs))
    values = {a[1].lower(): a["dq"] or a["sq"] or a["bare"] or "" for a in found}
    pieces: list[str] = []
    done = 0
    for attr in found:
        group = "dq" if attr["dq"] is not None else "sq"
        if attr[group] is None:
            group = "bare"
        value = attr[group]
        if value is None:
            continue  # a bare attribute, no value
        new = _attribute(tag, attr[1].lower(), value, values, variant, converting, keep)
        if new != value:
            pieces.append(attrs[done : attr.start(group)])
            pieces.append(new)
            done = attr.end(group)
    pieces.append(attrs[done:])
    return "".join(pieces)


def _attribute(
    tag: str,
    name: str,
    value: str,
    others: dict[str, str],
    variant: Variant,
    converting: bool,
    keep: tuple[str, ...],
) -> str:
    if name in LINKS or (name.startswith("data-") and name.endswith("-url")):
        return prefix_link(value, variant, keep)
    if tag == "html" and name == "lang":
        return variant.lang
    if tag == "meta" and name == "content":
        kind = others.get("property") or others.get("name") or ""
        if kind == "og:locale":
            return variant.og_locale
        if converting and kind in META_CONVERTED:
            return _text(value, variant.opencc_config, "")
        return value
    if not converting:
        return value
    if name in READABLE or (
        name == "value" and tag == "input" and others.get("type") in INPUT_BUTTONS
    ):
        return _text(value, variant.opencc_config, "")
    return value
