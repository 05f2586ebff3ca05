"""Pull the article (text, metadata, figures) out of a Chinese portal's HTML page.

trafilatura finds the body, readability-lxml is the fallback; metadata comes from
JSON-LD, then Open Graph, then the 来源/作者/发布时间 lines printed near the title.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from django.conf import settings
from lxml import etree
from readability import Document as ReadabilityDocument


@dataclass(frozen=True)
class ExtractedImage:
    src: str
    caption: str
    credit: str


@dataclass(frozen=True)
class Extracted:
    title: str
    published: datetime.datetime | None
    source: str
    author: str
    paragraphs: tuple[str, ...]
    quotes: tuple[str, ...]
    images: tuple[ExtractedImage, ...]
    blocks: tuple[dict, ...]
    canonical_url: str


class ExtractionError(Exception):
    """The page holds no article we could find."""


# Site chrome that portals put inside the article container. Matched against the
# start of an element's text, or anywhere in a short element.
CHROME_MARKERS = (
    "下载APP", "下载App", "扫码下载", "打开App", "打开APP", "下載APP", "打開App",
    "本文转载自", "本文轉載自", "免责声明", "免責聲明", "版权声明", "版權聲明",
    "如涉及版权", "如涉及版權", "网友评论", "網友評論", "发表评论", "發表評論",
    "分享到", "責任編輯", "责任编辑", "相关阅读", "相關閱讀",
    "相关新闻", "相關新聞", "推荐阅读", "推薦閱讀",
)  # fmt: skip
# Ambiguous words: chrome only as a section heading ("评论(6)"), not inside prose.
SECTION_MARKERS = ("评论", "評論", "热门评论", "最新评论", "今日评论")
CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:comments?|share|sharebar|related|recommend|download|app-?banner"
    r"|disclaimer|copyright|footer|nav|navbar|breadcrumb|editor|qrcode|advert|ads?"
    r"|sidebar)(?:$|[\s_-])",
    re.I,
)
CHROME_TAGS = (
    "script", "style", "noscript", "iframe", "form", "nav", "footer", "aside",
    "button", "input", "select", "textarea", "svg",
)  # fmt: skip
# Lines such as "发布时间：… 来源：… 作者：…" that belong to metadata, not the body.
META_LINE = re.compile(
    r"(?:来源|來源|作者|发布时间|發布時間|發佈時間|时间|時間|记者|記者)\s*[：:]"
)
DATE_LINE = re.compile(r"^\s*\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}")
TITLE_SUFFIX = re.compile(r"\s*(?:[-_|｜—–]+\s*[^-_|｜—–]{1,30})+$")

DATE_PATTERNS = (
    re.compile(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
        r"(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?"
    ),
)
SOURCE_RE = re.compile(r"(?:来源|來源)\s*[：:]\s*([^\s|｜/，,]{1,30})")
AUTHOR_RE = re.compile(
    r"(?:作者|记者|記者)\s*[：:]?\s*"
    r"([\u4e00-\u9fff·]{2,4}(?:\s*[、，,/]\s*[\u4e00-\u9fff·]{2,4})*)"
)

CREDIT_PATTERNS = (
    # "（摄影：张三）", "(图片来源：XX)", "（供图：XX）", "(Photo: X)"
    re.compile(
        r"\s*[（(]\s*(?:摄影|攝影|图片来源|圖片來源|图源|圖源|供图|供圖|图|圖|来源|來源"
        r"|photo|credit|source)\s*[：:/]\s*(?P<credit>[^（()）]+?)\s*[)）]\s*$",
        re.I,
    ),
    re.compile(
        r"\s*(?:摄影|攝影|图片来源|圖片來源|供图|供圖|photo|credit)\s*[：:]\s*"
        r"(?P<credit>[^：:。]+?)\s*$",
        re.I,
    ),
    re.compile(r"\s*(?:图|圖)\s*/\s*(?P<credit>[^/。，,]+?)\s*$"),
    re.compile(r"(?<=[\s，,。])(?P<credit>[^\s，,。（()）]{1,12}?)\s*(?:摄|攝)\s*$"),
    # Agency style in capitals: "… JEON HEON-KYUN/EPA, VIA SHUTTERSTOCK"
    re.compile(r"\s+(?P<credit>[A-Z][A-Z.'\- ]*/[A-Z][A-Z,.'\-/ ]*)\s*$"),
)
CAPTION_START = re.compile(r"^\s*(?:图为|圖為|图：|圖：|上图|下图|上圖|下圖)")
SKIP_IMAGE = re.compile(r"(?:logo|icon|avatar|qrcode|qr-code|pixel|spacer|blank)", re.I)
LAZY_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "src")


def split_credit(text: str) -> tuple[str, str]:
    """Split a trailing photographer/agency credit off a caption."""
    text = " ".join(text.split())
    for pattern in CREDIT_PATTERNS:
        match = pattern.search(text)
        if match:
            caption = text[: match.start()].strip()
            return caption, match.group("credit").strip()
    return text, ""


def _text(el: etree._Element) -> str:
    return " ".join(el.text_content().split())


def _classes(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in ("html", "body", "main", "article", "h1"):
        return False
    if CHROME_CLASS.search(_classes(el)):
        return True
    text = _text(el)
    if not text or el.xpath(".//h1"):
        return False
    starts = any(text.startswith(m) for m in CHROME_MARKERS)
    contains = any(m in text for m in CHROME_MARKERS)
    # A whole section opening with "相关阅读" is chrome; a long paragraph that merely
    # mentions 评论 is not.
    if starts and len(text) <= 400 or contains and len(text) <= 120:
        return True
    if any(text.startswith(m) for m in SECTION_MARKERS) and (
        len(text) <= 20 or el.xpath("./h2|./h3|./h4|./ul|./ol|./div|./li")
    ):
        return True
    # Quotes and captions may name a source ("图片来源：…") without being a meta line.
    if el.tag in ("blockquote", "figure", "figcaption") or el.xpath(".//img"):
        return False
    return (
        len(text) <= 150
        and bool(META_LINE.search(text))
        or (len(text) <= 40 and bool(DATE_LINE.search(text)))
    )


def _image_src(img: etree._Element, base: str) -> str:
    for attr in LAZY_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(base, value)
    return ""


def _skip_image(img: etree._Element, src: str) -> bool:
    if not src:
        return True
    if img.get("width") == "1" or img.get("height") == "1":
        return True
    hint = f"{src} {_classes(img)} {img.get('alt', '')}"
    return bool(SKIP_IMAGE.search(hint))


def _looks_like_caption(el: etree._Element) -> bool:
    if el.tag not in ("p", "div", "span") or el.xpath(".//img"):
        return False
    text = _text(el)
    if not text or len(text) > 150:
        return False
    if re.search(r"caption|desc|pic-?text|img-?text|note", _classes(el), re.I):
        return True
    return bool(CAPTION_START.search(text)) or split_credit(text)[1] != ""


def _next_element(el: etree._Element) -> etree._Element | None:
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def _collect_figures(
    root: etree._Element, base: str
) -> list[tuple[ExtractedImage, etree._Element]]:
    """Find each real image with its caption; return it and the node it occupies."""
    found = []
    for img in list(root.iter("img")):
        if img.getparent() is None:
            continue
        src = _image_src(img, base)
        if _skip_image(img, src):
            img.drop_tree()
            continue
        figure = next(img.iterancestors("figure"), None)
        caption, node = "", img
        if figure is not None:
            figcaption = figure.find(".//figcaption")
            caption = _text(figcaption) if figcaption is not None else ""
            node = figure
        else:
            # An <img> alone in its <p>/<div> is followed by a caption paragraph.
            holder = img.getparent()
            if holder.tag in ("p", "div", "a", "span") and not _text(holder):
                node = holder
            nxt = _next_element(node)
            if nxt is not None and _looks_like_caption(nxt):
                caption = _text(nxt)
                nxt.drop_tree()
        caption, credit = split_credit(caption or "")
        found.append((ExtractedImage(src, caption, credit), node))
    return found


def _json_ld(tree: etree._Element) -> dict:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data])
        for item in items:
            kind = item.get("@type") if isinstance(item, dict) else None
            kinds = kind if isinstance(kind, list) else [kind]
            if {"NewsArticle", "Article", "ReportageNewsArticle"} & set(kinds):
                return item
    return {}


def _name(value: object) -> str:
    if isinstance(value, list):
        return "、".join(filter(None, (_name(v) for v in value)))
    if isinstance(value, dict):
        return str(value.get("name", "")).strip()
    return str(value or "").strip()


def _meta(tree: etree._Element, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            values = tree.xpath(f'//meta[@{attr}="{name}"]/@content')
            if values and values[0].strip():
                return values[0].strip()
    return ""


def _parse_date(value: str, zone: ZoneInfo) -> datetime.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = DATE_PATTERNS[0].search(value)
        if not match:
            return None
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            parsed = datetime.datetime(*parts)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _header_text(tree: etree._Element) -> str:
    """The visible text around the title, where portals print the meta line."""
    h1 = next(iter(tree.iter("h1")), None)
    if h1 is None:
        body = tree.find("body")
        return _text(body)[:600] if body is not None else ""
    texts, node = [], h1
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
    for el in node.iter():
        if el.tag in ("script", "style") or not isinstance(el.tag, str):
            continue
        text = _text(el) if len(el) == 0 else (el.text or "").strip()
        if text:
            texts.append(text)
    return " ".join(texts)[:1500]


def _editor_free(text: str) -> str:
    return re.sub(r"(?:责任编辑|責任編輯|编辑|編輯)\s*[：:]\s*\S+", " ", text)


def _metadata(tree: etree._Element, zone: ZoneInfo) -> dict:
    ld = _json_ld(tree)
    header = _editor_free(_header_text(tree))
    title = (
        _name(ld.get("headline"))
        or TITLE_SUFFIX.sub("", _meta(tree, "og:title"))
        or " ".join(tree.xpath("string(//h1)").split())
        or TITLE_SUFFIX.sub("", tree.findtext(".//title") or "")
    )
    published = _parse_date(str(ld.get("datePublished", "")), zone) or _parse_date(
        _meta(tree, "article:published_time", "pubdate", "publishdate"), zone
    )
    if published is None:
        match = DATE_PATTERNS[0].search(header)
        published = _parse_date(match.group(0), zone) if match else None
    source_match = SOURCE_RE.search(header)
    author_match = AUTHOR_RE.search(header)
    return {
        "title": title.strip(),
        "published": published,
        "source": _name(ld.get("publisher"))
        or _meta(tree, "og:site_name")
        or (source_match.group(1) if source_match else ""),
        "author": _name(ld.get("author"))
        or _meta(tree, "article:author", "author")
        or (author_match.group(1).strip(" 、，,") if author_match else ""),
        "images": _ld_images(ld.get("image")),
    }


def _ld_images(value: object) -> dict[str, tuple[str, str]]:
    items = value if isinstance(value, list) else [value]
    found = {}
    for item in items:
        if isinstance(item, dict) and item.get("url"):
            credit = _name(item.get("creditText") or item.get("author"))
            found[item["url"]] = (str(item.get("caption", "")).strip(), credit)
    return found


def _clean_tree(tree: etree._Element) -> etree._Element:
    cleaned = copy.deepcopy(tree)
    for el in list(cleaned.iter(*CHROME_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(cleaned.iter(etree.Comment)):
        el.drop_tree()
    # Top-down, so a whole chrome section goes at once before its children are seen.
    for el in list(cleaned.iter()):
        if not isinstance(el.tag, str) or el.tag in ("head", "title", "meta"):
            continue
        if el.getparent() is not None and _is_chrome(el):
            el.drop_tree()
    for el in list(cleaned.iter("header")):
        if not el.xpath(".//h1"):
            el.drop_tree()
    return cleaned


MARK = "HXFIGURE{:04d}HX"
MARK_RE = re.compile(r"^HXFIGURE(\d{4})HX$")


def _trafilatura_blocks(html: str, url: str) -> list[tuple[str, str]]:
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        output_format="python",
    )
    if doc is None or doc.body is None:
        return []
    out = []
    for el in doc.body:
        text = " ".join("".join(el.itertext()).split())
        if not text or el.tag == "head":
            continue
        out.append(("quote" if el.tag == "quote" else "paragraph", text))
    return out


def _readability_blocks(html: str) -> list[tuple[str, str]]:
    try:
        summary = ReadabilityDocument(html).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability raises bare Exceptions on junk
        return []
    if not summary.strip():
        return []
    root = lxml.html.fromstring(summary)
    out = []
    for el in root.iter("p", "blockquote", "li", "h2", "h3", "div"):
        if el.tag == "div" and el.find("p") is not None:
            continue
        if el.tag == "p" and next(el.iterancestors("blockquote"), None) is not None:
            continue
        if el.tag == "div" and (el.text or "").strip() == "":
            continue
        text = _text(el)
        if text:
            out.append(("quote" if el.tag == "blockquote" else "paragraph", text))
    return out


def _body(html: str, url: str) -> list[tuple[str, str]]:
    first = _trafilatura_blocks(html, url)
    second = _readability_blocks(html)
    length = sum(len(text) for _, text in first)
    # trafilatura's precision mode can drop most of a short or oddly nested article.
    if length < 0.6 * sum(len(text) for _, text in second):
        return second
    return first


def extract(html: str, url: str, *, time_zone: str | None = None) -> Extracted:
    """Extract one article; dates without a zone are in `time_zone` (the site's)."""
    zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparseable HTML: {url}") from exc
    meta = _metadata(tree, zone)
    canonical = tree.xpath('//link[@rel="canonical"]/@href') or [_meta(tree, "og:url")]
    cleaned = _clean_tree(tree)
    figures = _collect_figures(cleaned, url)
    # Stand-in paragraphs keep each figure's place through the body extractor.
    for index, (_, node) in enumerate(figures):
        marker = etree.Element("p")
        marker.text = MARK.format(index)
        marker.tail = node.tail
        node.getparent().replace(node, marker)
    for h1 in list(cleaned.iter("h1")):
        h1.drop_tree()
    blocks, paragraphs, quotes, images = [], [], [], []
    for kind, text in _body(lxml.html.tostring(cleaned, encoding="unicode"), url):
        marks = [MARK_RE.match(part) for part in text.split()]
        if marks and all(marks):
            for match in marks:
                image = figures[int(match.group(1))][0]
                caption, credit = meta["images"].get(image.src, ("", ""))
                if not image.caption and caption:
                    image = ExtractedImage(image.src, caption, image.credit or credit)
                images.append(image)
                blocks.append({"type": "image", **image.__dict__})
            continue
        text = re.sub(r"HXFIGURE\d{4}HX", "", text).strip()
        if not text or text == meta["title"]:
            continue
        (quotes if kind == "quote" else paragraphs).append(text)
        blocks.append({"type": kind, "text": text})
    if not paragraphs or not meta["title"]:
        raise ExtractionError(f"no article found: {url}")
    return Extracted(
        title=meta["title"],
        published=meta["published"],
        source=meta["source"],
        author=meta["author"],
        paragraphs=tuple(paragraphs),
        quotes=tuple(quotes),
        images=tuple(images),
        blocks=tuple(blocks),
        canonical_url=urljoin(url, canonical[0]) if canonical[0] else url,
    )
