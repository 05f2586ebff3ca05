"""Reading the lists of stories other outlets publish: RSS and Atom feeds, (news)
sitemaps and hand-entered URL lists, all reduced to FeedItems."""

import datetime
import io
import logging
import re
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from ingest.decode import decode_xml

logger = logging.getLogger(__name__)

# The sitemap protocol's own limit on an uncompressed sitemap.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
XML_DECLARED_ENCODING = re.compile(
    r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""", re.IGNORECASE
)


@dataclass(frozen=True)
class FeedItem:
    url: str
    guid: str  # the feed's id/guid, or the URL
    title: str
    published: datetime.datetime | None  # aware
    summary: str


class FeedError(Exception):
    """The content is not a feed or sitemap we can read; the message says why."""


def _web_url(url: str, base_url: str) -> str:
    """`url` made absolute against `base_url`, or "" unless it is http(s)."""
    if not url.strip():
        return ""  # urljoin would turn "no link" into the base URL itself
    absolute = urljoin(base_url, url.strip())
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else ""


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def parse_feed(
    content: bytes, headers: dict[str, str] | None = None, base_url: str = ""
) -> list[FeedItem]:
    """The items of an RSS 0.9x/1.0/2.0 or Atom feed that link to a web page.

    A feed that feedparser finds malformed is still used if it yields entries.
    """
    headers = {key.lower(): value for key, value in (headers or {}).items()}
    base_url = base_url or headers.get("content-location", "")
    # Decoded here rather than by feedparser, which takes a "gb2312" label at its
    # word and turns a page using GBK characters into mojibake.
    text, _encoding = decode_xml(content, _charset(headers.get("content-type", "")))
    text = XML_DECLARED_ENCODING.sub(r"\1utf-8\2", text, count=1)
    # Bytes in a stream: given a str, feedparser would fetch it if it looked like a
    # URL, or open it if it named a file.
    result = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": base_url,
        },
    )
    if not result.entries:
        if result.bozo or not result.get("version"):
            reason = result.get("bozo_exception") or "no feed elements found"
            raise FeedError(f"{base_url or 'feed'}: not a readable feed ({reason})")
        return []
    if result.bozo:
        logger.info(
            "%s: malformed feed read anyway (%s)",
            base_url or "feed",
            result.get("bozo_exception"),
        )
    items, skipped = [], 0
    for entry in result.entries:
        url = _web_url(entry.get("link", ""), base_url)
        if not url:
            skipped += 1
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            FeedItem(
                url=url,
                guid=entry.get("id") or url,
                title=entry.get("title", "").strip(),
                published=_from_struct_time(stamp),
                summary=entry.get("summary", "").strip(),
            )
        )
    if skipped:
        logger.warning(
            "%s: skipped %d of %d items without a web link",
            base_url or "feed",
            skipped,
            len(result.entries),
        )
    return items


def _from_struct_time(stamp: time.struct_time | None) -> datetime.datetime | None:
    # feedparser has already converted every date it understood to UTC.
    if stamp is None:
        return None
    return datetime.datetime(*stamp[:6], tzinfo=datetime.UTC)


def _w3c_datetime(value: str | None) -> datetime.datetime | None:
    """A sitemap date (W3C Datetime, a profile of ISO 8601) as an aware datetime."""
    try:
        parsed = datetime.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    # A bare date or a time without offset: UTC is the least surprising reading.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _gunzip(content: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise FeedError(f"sitemap: broken gzip data ({exc})") from exc
    if len(data) > limit:
        raise FeedError(f"sitemap: over {limit} bytes once decompressed")
    if not inflater.eof:
        raise FeedError("sitemap: gzip data cut short")
    return data


def _local(tag: str) -> str:
    # Sitemaps are matched on local names: many omit or misspell the namespaces.
    return tag.rsplit("}", 1)[-1]


def _child_text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _child(element, name: str):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def parse_sitemap(
    content: bytes, base_url: str = ""
) -> tuple[list[FeedItem], list[str]]:
    """(pages of a <urlset>, child sitemaps of a <sitemapindex>); gzip is undone.

    A Google News sitemap gives titles and publication dates; otherwise the
    page's lastmod stands in for its date.
    """
    if content.startswith(GZIP_MAGIC):
        content = _gunzip(content, SITEMAP_MAX_BYTES)
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        # A DTD has no business in a sitemap, and entities are how XML bombs work.
        raise FeedError(f"sitemap: refused ({type(exc).__name__})") from exc
    except SafeElementTree.ParseError as exc:
        raise FeedError(f"sitemap: not well-formed XML ({exc})") from exc
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = [
            _web_url(_child_text(sitemap, "loc"), base_url)
            for sitemap in root
            if _local(sitemap.tag) == "sitemap"
        ]
        return [], [child for child in children if child]
    if kind != "urlset":
        raise FeedError(f"sitemap: root element is <{kind}>, not <urlset>")
    items = []
    for entry in root:
        url = _web_url(_child_text(entry, "loc"), base_url)
        if _local(entry.tag) != "url" or not url:
            continue
        news = _child(entry, "news")
        title, published = "", None
        if news is not None:
            title = _child_text(news, "title")
            published = _w3c_datetime(_child_text(news, "publication_date"))
        items.append(
            FeedItem(
                url=url,
                guid=url,
                title=title,
                published=published or _w3c_datetime(_child_text(entry, "lastmod")),
                summary="",
            )
        )
    return items, []


def parse_url_list(text: str) -> list[FeedItem]:
    """Items for a hand-entered list: one URL a line, "#" starting a comment line."""
    items: list[FeedItem] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = _web_url(line, "")
        if not url:
            logger.warning("URL list line %d: not an http(s) URL: %.100s", number, line)
            continue
        if url not in seen:
            seen.add(url)
            items.append(FeedItem(url, guid=url, title="", published=None, summary=""))
    return items
