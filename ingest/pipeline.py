"""The republishing pipeline: `prepare()` takes one URL through fetch → decode →
extract → script (what `extract_article` prints); polling a source, processing
its candidates and publishing them build on it."""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from ingest import clean, decode, dedupe, extract, feeds, fetch, keywords, script
from ingest.models import Candidate, CandidateStatus, SourceState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    url: str
    encoding: str
    article: extract.Extracted
    keywords: list[str]
    duplicate_of: str | None

    def as_json(self) -> dict:
        article = self.article
        return {
            "url": self.url,
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "source": article.source,
            "author": article.author,
            "paragraphs": list(article.paragraphs),
            "images": [
                {"src": image.src, "caption": image.caption, "credit": image.credit}
                for image in article.images
            ],
            "keywords": self.keywords,
            "duplicate_of": self.duplicate_of,
            "encoding": self.encoding,
        }


def prepare(url: str, source=None) -> Prepared:
    """Raises fetch.FetchRefused / fetch.FetchFailed / extract.ExtractionError."""
    fetched = fetch.fetch(url)
    charset = _charset(fetched.headers.get("content-type", ""))
    override = getattr(source, "encoding_override", "") or None
    html, encoding = decode.decode_html(fetched.content, charset, override)
    article = extract.extract(html, fetched.url)
    mode = getattr(source, "script_conversion", "") or ""
    if mode:
        article = script.convert(article, mode)
    text = "\n".join(article.paragraphs)
    return Prepared(
        url=fetched.url,
        encoding=encoding,
        article=article,
        keywords=keywords.suggest_keywords(article.title, text),
        duplicate_of=duplicate_of(url, fetched.url, article.canonical_url),
    )


def duplicate_of(*urls: str) -> str | None:
    """The original link of a live article republished from the same page (under
    any of its addresses: asked for, redirected to, declared canonical), if any."""
    from news.models import ArticlePage

    wanted = {dedupe.canonical_url(url) for url in urls if url}
    links = (
        ArticlePage.objects.live()
        .exclude(original_url="")
        .values_list("original_url", flat=True)
        .iterator()
    )
    return next((link for link in links if dedupe.canonical_url(link) in wanted), None)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


# --- Polling sources and carrying their stories through to articles ---------------

# A news sitemap index seldom lists more than a few live children; more is a site
# map of the whole archive, which polling has no business walking.
MAX_CHILD_SITEMAPS = 5
MAX_IMAGE_BYTES = 15 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
SUMMARY_CHARS = 200
# Near-duplicates are looked for among recent stories only: the index is rebuilt
# from the stored signatures on every call, so its cost grows with this window.
NEAR_DUPLICATE_WINDOW = datetime.timedelta(days=30)
# Statuses of candidates whose content is known and which are not copies.
ORIGINALS = (
    CandidateStatus.READY,
    CandidateStatus.PUBLISHED,
    CandidateStatus.REJECTED,
)


def poll_source(source) -> dict[str, int]:
    """Look for new stories of `source`; a Candidate (pending) for each new item.

    A feed that fails is retried later with a growing back-off; the source stays
    active whatever happens.
    """
    state, _ = SourceState.objects.get_or_create(source=source)
    now = timezone.now()
    try:
        items, validators = _source_items(source, state)
    except (fetch.FetchFailed, fetch.FetchRefused, feeds.FeedError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        state.record_failure(now, source.poll_minutes, str(exc), retry_after)
        state.save()
        logger.warning(
            "Polling %s failed (%d in a row): %s", source, state.failures, exc
        )
        return {"new": 0, "seen": 0, "failed": 1}
    new = seen = 0
    for item in items:
        try:
            created = _add_candidate(source, item)
        except (DatabaseError, ValueError):
            logger.exception("%s: could not record feed item %s", source, item.url)
            continue
        new += created
        seen += not created
    # Kept only now: validators of a feed we failed to read would make the next
    # poll a 304, and its items would never be read.
    state.etag, state.last_modified = validators
    state.record_success(now, source.poll_minutes)
    state.save()
    return {"new": new, "seen": seen, "failed": 0}


def _source_items(
    source, state: SourceState
) -> tuple[list[feeds.FeedItem], tuple[str, str]]:
    """The feed's items ([] when it has not changed since the last poll) and its
    new validators (ETag, Last-Modified)."""
    from news.models import SourceKind

    if source.kind == SourceKind.URLS:
        return feeds.parse_url_list(source.url_list), ("", "")
    fetched = fetch.fetch(
        source.feed_url, etag=state.etag, last_modified=state.last_modified
    )
    validators = (fetched.etag[:500], fetched.last_modified[:100])
    if fetched.status == 304:
        return [], validators
    if source.kind == SourceKind.SITEMAP:
        items, children = feeds.parse_sitemap(fetched.content, base_url=fetched.url)
        for child in children[:MAX_CHILD_SITEMAPS]:
            try:
                page = fetch.fetch(child)
                items += feeds.parse_sitemap(page.content, base_url=page.url)[0]
            except (fetch.FetchFailed, fetch.FetchRefused, feeds.FeedError) as exc:
                logger.warning("%s: child sitemap skipped: %s", source, exc)
        return items, validators
    items = feeds.parse_feed(fetched.content, fetched.headers, base_url=fetched.url)
    return items, validators


def _add_candidate(source, item: feeds.FeedItem) -> bool:
    with transaction.atomic():
        _candidate, created = Candidate.objects.get_or_create(
            source=source,
            external_id=item.guid[:500],
            defaults={
                "url": item.url,
                "title": item.title[:255],
                "published": item.published,
            },
        )
    return created


def process_candidate(candidate) -> str:
    """Fetch, extract and check one candidate; its new status.

    "duplicate" when the story is already here (same page, same text, or nearly
    the same text in either script), "ready" for review otherwise, "failed" with
    the reason when the page could not be read (it may be processed again).
    """
    source = candidate.source
    try:
        prepared = prepare(candidate.url, source)
    except (
        fetch.FetchFailed,
        fetch.FetchRefused,
        extract.ExtractionError,
        LookupError,  # an unknown encoding override
        ValueError,  # an unknown script conversion
    ) as exc:
        candidate.status = CandidateStatus.FAILED
        candidate.error = str(exc)
        candidate.save()
        logger.warning("Candidate %s failed: %s", candidate.pk, exc)
        return candidate.status
    article = prepared.article
    text = "\n".join(article.paragraphs)
    candidate.canonical_url = dedupe.canonical_url(
        article.canonical_url or prepared.url
    )[:1000]
    candidate.title = (article.title or candidate.title)[:255]
    candidate.published = article.published or candidate.published
    candidate.author = article.author[:255]
    candidate.source_name = article.source[:255]
    candidate.data = {
        "paragraphs": list(article.paragraphs),
        "images": [
            {"src": image.src, "caption": image.caption, "credit": image.credit}
            for image in article.images
        ],
        "blocks": clean.body_blocks(article),
    }
    candidate.text_hash = dedupe.text_hash(text) if text.strip() else ""
    candidate.signature = dedupe.NearDuplicateIndex.signature(text)
    candidate.keywords = prepared.keywords
    candidate.error = ""
    original = _original_of(candidate, text)
    if (
        original is not None
        and original.pk > candidate.pk
        and original.status == CandidateStatus.READY
    ):
        # Workers finish in any order; the copy found first stays the original,
        # so a later copy that was processed sooner steps aside.
        with transaction.atomic():
            Candidate.objects.filter(duplicate_of=original).update(
                duplicate_of=candidate
            )
            Candidate.objects.filter(pk=original.pk).update(
                status=CandidateStatus.DUPLICATE, duplicate_of=candidate
            )
        original = None
    if original is not None or prepared.duplicate_of:
        candidate.status = CandidateStatus.DUPLICATE
        candidate.duplicate_of = original
        if original is None:
            candidate.error = f"Already republished from {prepared.duplicate_of}"
    else:
        candidate.status = CandidateStatus.READY
        candidate.duplicate_of = None
    candidate.save()
    return candidate.status


def _original_of(candidate, text: str):
    """The first candidate holding the same story as `candidate`, if any."""
    others = Candidate.objects.filter(status__in=ORIGINALS).exclude(pk=candidate.pk)
    same = Q(canonical_url=candidate.canonical_url)
    if candidate.text_hash:
        same |= Q(text_hash=candidate.text_hash)
    exact = others.filter(same).order_by("pk").first()
    if exact is not None or not candidate.signature:
        return exact
    index = dedupe.NearDuplicateIndex()
    recent = (
        others.filter(created_at__gte=timezone.now() - NEAR_DUPLICATE_WINDOW)
        .exclude(signature=b"")
        .values_list("pk", "signature")
    )
    for pk, signature in recent.iterator():
        index.add_signature(str(pk), bytes(signature))
    keys = index.query(text)
    if not keys:
        return None
    # The first copy of the story, not merely the most similar one.
    return others.filter(pk__in=[int(key) for key in keys]).order_by("pk").first()


def publish_candidate(
    candidate,
    *,
    user=None,
    publish: bool = True,
    keywords: list[str] | None = None,
    channel=None,
    cities=None,
):
    """The candidate as an ArticlePage under its source's default channel, live
    when `publish` (else a draft); the same page on every later call.

    An editor's `keywords`, `channel` and `cities` replace the candidate's
    suggestions and the source's defaults."""
    from news.models import ArticlePage

    if candidate.article_id:
        return candidate.article
    source = candidate.source
    channel = channel or source.default_channel
    if channel is None:
        raise ValueError(
            f"Source {source.name!r} has no default channel; choose one before"
            " publishing its stories."
        )
    if not candidate.title:
        raise ValueError(f"Candidate {candidate.pk} has no title; give it one first.")
    if candidate.status in (CandidateStatus.PENDING, CandidateStatus.FAILED):
        raise ValueError(
            f"Candidate {candidate.pk} has no extracted content (status"
            f" {candidate.status}); process it first."
        )
    # Downloads happen before the transaction: no database lock across the network.
    body = [
        _with_image(block, candidate.title, source.slug)
        for block in candidate.data.get("blocks", [])
    ]
    body = [block for block in body if block is not None]
    paragraphs = candidate.data.get("paragraphs") or [""]
    summary = paragraphs[0]
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if locked.article_id:  # another worker got here first
            return ArticlePage.objects.get(pk=locked.article_id)
        article = ArticlePage(
            title=candidate.title,
            summary=summary,
            byline=candidate.author[:120],
            published_at=candidate.published or timezone.now(),
            source=source,
            original_url=candidate.url,
            is_republished=True,
            body=body,
            live=False,
        )
        article.keywords.add(*(candidate.keywords if keywords is None else keywords))
        if cities is None:
            cities = source.default_cities.all()
        article.cities.set(list(cities))
        channel.add_article(article)
        revision = article.save_revision(user=user, log_action=True)
        if publish:
            revision.publish(user=user)
        candidate.article = article
        candidate.status = CandidateStatus.PUBLISHED
        candidate.save(update_fields=["article", "status", "updated_at"])
    return article


def _with_image(block: dict, title: str, prefix: str) -> dict | None:
    """`block`, with an ``image_pending`` one turned into an ``image`` block; None
    when its image cannot be had (the article is made without it)."""
    if block["type"] != "image_pending":
        return block
    value = block["value"]
    try:
        image = _download_image(value["src"], value["caption"] or title, prefix)
    except (fetch.FetchFailed, fetch.FetchRefused, OSError, ValueError) as exc:
        logger.warning("Image %s dropped: %s", value["src"], exc)
        return None
    return {
        "type": "image",
        "value": {
            "image": image.pk,
            "caption": value["caption"],
            "credit": value["credit"],
        },
    }


def _download_image(url: str, title: str, prefix: str):
    """A Wagtail image made from `url`; ValueError or OSError for what is not a
    whole image of a kind and size we accept."""
    fetched = fetch.fetch(url, max_bytes=MAX_IMAGE_BYTES)
    limit = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    try:
        with PILImage.open(io.BytesIO(fetched.content)) as picture:
            width, height = picture.size
            image_format = picture.format
            picture.verify()
    except PILImage.DecompressionBombError as exc:
        raise ValueError(str(exc)) from exc
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"{url}: {image_format} images are not accepted")
    if limit and width * height > limit:
        raise ValueError(f"{url}: {width}×{height} is over {limit} pixels")
    digest = hashlib.sha256(fetched.content).hexdigest()[:16]
    name = f"{prefix}-{digest}.{IMAGE_FORMATS[image_format]}"
    image = get_image_model()(
        title=title[:255], file=ImageFile(io.BytesIO(fetched.content), name=name)
    )
    image.save()
    return image
