"""Polling sources, processing candidates and publishing them, against feeds and
pages served from a local server."""

import datetime
import io
import json
from pathlib import Path

import opencc
import pytest
from django.utils import timezone
from PIL import Image as PILImage
from werkzeug import Response

from editions import tasks as editions_tasks
from editions.models import ScheduledRun
from ingest import fetch, tasks
from ingest.models import Candidate, CandidateStatus, SourceState
from ingest.pipeline import poll_source, process_candidate, publish_candidate
from news.models import ArticlePage, SourceKind
from news.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent / "pages"
# Path on our server, page fixture, the host its expected JSON was extracted under.
STORIES = {
    "/news/2026/11/17/library.html": "classic_portal",
    "/community/2026/10/29/elders.html": "json_ld",
    "/news/2026/1116/8812.html": "chinese_patterns",
}
IMAGES = (
    "/uploads/2026/11/library-front.jpg",
    "/media/2026/10/elders.jpg",
    "/news/images/2026/1116/market.jpg",
)
HK_COPY = "/hk/2026/11/17/library.html"


@pytest.fixture(autouse=True)
def _local_sources_allowed(settings, httpserver, monkeypatch):
    settings.INGEST_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    # Politeness (one fetch per host a second) is tested in test_fetch; here every
    # fetch goes to the same local host and would only make the tests slow.
    monkeypatch.setattr(fetch, "_take_turn", lambda host: None)


def jpeg(color: str = "#336699") -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def page(httpserver, name: str) -> str:
    """A fixture page with its outlet's absolute links pointing at our server."""
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    expected = json.loads((PAGES / f"{name}.expected.json").read_text())
    origin = "/".join(expected["url"].split("/")[:3])
    return html.replace(origin, httpserver.url_for("").rstrip("/"))


def rss(httpserver, paths) -> str:
    items = "".join(
        f"<item><title>稿件{number}</title><link>{httpserver.url_for(path)}</link>"
        f'<guid isPermaLink="false">story-{number}</guid>'
        "<pubDate>Tue, 17 Nov 2026 08:30:00 +1100</pubDate></item>"
        for number, path in enumerate(paths, start=1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>测试日报</title><link>{httpserver.url_for('/')}</link>{items}"
        "</channel></rss>"
    )


@pytest.fixture
def outlet(httpserver):
    """A feed of the three stories, their pages and their images, on our server."""
    for path, name in STORIES.items():
        httpserver.expect_request(path).respond_with_data(
            page(httpserver, name), content_type="text/html; charset=utf-8"
        )
    for number, path in enumerate(IMAGES):
        httpserver.expect_request(path).respond_with_data(
            jpeg(f"#{number * 3}{number * 3}6699"), content_type="image/jpeg"
        )
    feed = rss(httpserver, STORIES)

    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            feed, content_type="application/rss+xml", headers={"ETag": '"v1"'}
        )

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    return httpserver


@pytest.fixture
def source(outlet, channel, city):
    source = SourceFactory(
        name="澳洲华人日报",
        kind=SourceKind.RSS,
        feed_url=outlet.url_for("/feed.xml"),
        default_channel=channel,
    )
    source.default_cities.set([city])
    return source


def polled_and_processed(source) -> dict[str, Candidate]:
    poll_source(source)
    for candidate in Candidate.objects.filter(source=source):
        process_candidate(candidate)
    return {
        candidate.url.split(":", 2)[2].split("/", 1)[1]: candidate
        for candidate in Candidate.objects.filter(source=source)
    }


def test_a_feed_of_three_becomes_three_ready_candidates(source):
    assert poll_source(source) == {"new": 3, "seen": 0, "failed": 0}
    assert Candidate.objects.filter(status=CandidateStatus.PENDING).count() == 3

    found = polled_and_processed(source)

    assert {candidate.status for candidate in found.values()} == {"ready"}
    for path, name in STORIES.items():
        expected = json.loads((PAGES / f"{name}.expected.json").read_text())
        candidate = found[path.lstrip("/")]
        assert candidate.title == expected["title"]
        assert candidate.source_name == expected["source"]
        assert candidate.author == expected["author"]
        assert candidate.data["paragraphs"] == expected["paragraphs"]
        assert [(i["caption"], i["credit"]) for i in candidate.data["images"]] == [
            (i["caption"], i["credit"]) for i in expected["images"]
        ]
        assert candidate.keywords
        assert len(candidate.text_hash) == 64
        assert len(bytes(candidate.signature)) == 128 * 4
    library = found["news/2026/11/17/library.html"]
    assert library.published == datetime.datetime.fromisoformat(
        "2026-11-17T08:30:00+11:00"
    )
    assert library.external_id == "story-1"
    assert [block["type"] for block in library.data["blocks"]][:2] == [
        "paragraph",
        "image_pending",
    ]


def test_polling_again_finds_nothing_new(source, outlet):
    poll_source(source)
    state = SourceState.objects.get(source=source)
    assert state.etag == '"v1"'
    # The server answers 304 to our validators: nothing is read at all.
    assert poll_source(source) == {"new": 0, "seen": 0, "failed": 0}
    assert ("If-None-Match", '"v1"') in outlet.log[-1][0].headers.items()
    # Without validators the whole feed comes back, and every item is known.
    SourceState.objects.filter(source=source).update(etag="")
    assert poll_source(source) == {"new": 0, "seen": 3, "failed": 0}
    assert Candidate.objects.count() == 3
    state.refresh_from_db()
    assert state.failures == 0
    assert state.next_poll_at > timezone.now() + datetime.timedelta(minutes=59)


def test_a_traditional_copy_elsewhere_is_a_duplicate_of_the_original(source, outlet):
    found = polled_and_processed(source)
    original = found["news/2026/11/17/library.html"]
    html = opencc.OpenCC("s2hk").convert(page(outlet, "classic_portal"))
    # Another address and no canonical link: only the text can tell.
    html = html.replace(
        '<link rel="canonical" href="/news/2026/11/17/library.html">', ""
    )
    outlet.expect_request(HK_COPY).respond_with_data(html, content_type="text/html")
    hk = SourceFactory(kind=SourceKind.URLS, url_list=outlet.url_for(HK_COPY))

    assert poll_source(hk)["new"] == 1
    copy = Candidate.objects.get(source=hk)
    assert process_candidate(copy) == CandidateStatus.DUPLICATE
    copy.refresh_from_db()
    assert copy.duplicate_of == original
    assert "圖書館" in copy.title
    assert list(original.copies.all()) == [copy]


def test_the_copy_found_first_stays_the_original_whatever_the_order(source, outlet):
    poll_source(source)
    original = Candidate.objects.get(url__endswith="news/2026/11/17/library.html")
    html = opencc.OpenCC("s2hk").convert(page(outlet, "classic_portal"))
    html = html.replace(
        '<link rel="canonical" href="/news/2026/11/17/library.html">', ""
    )
    outlet.expect_request(HK_COPY).respond_with_data(html, content_type="text/html")
    hk = SourceFactory(kind=SourceKind.URLS, url_list=outlet.url_for(HK_COPY))
    poll_source(hk)
    copy = Candidate.objects.get(source=hk)

    # The later copy is processed first, as a busy worker pool may do.
    assert process_candidate(copy) == CandidateStatus.READY
    assert process_candidate(original) == CandidateStatus.READY
    copy.refresh_from_db()
    assert copy.status == CandidateStatus.DUPLICATE
    assert copy.duplicate_of == original


def test_publishing_makes_one_live_article_with_credits(source, city, outlet):
    candidate = polled_and_processed(source)["news/2026/11/17/library.html"]

    article = publish_candidate(candidate)

    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live
    assert article.source == source
    assert article.original_url == candidate.url
    assert article.is_republished
    assert article.title == "悉尼西区新建社区图书馆正式开放"
    assert article.summary.startswith("悉尼西区帕拉马塔市议会周六宣布")
    assert len(article.summary) <= 200
    assert set(article.keywords.names()) == set(candidate.keywords)
    assert list(article.cities.all()) == [city]
    assert article.channel == source.default_channel
    figures = [block.value for block in article.body if block.block_type == "image"]
    assert [(f["caption"], f["credit"]) for f in figures] == [
        ("新图书馆临河而建，外立面采用本地砂岩。", "刘晓明")
    ]
    assert figures[0]["image"].title == "新图书馆临河而建，外立面采用本地砂岩。"
    assert article.cover_image == figures[0]["image"]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PUBLISHED
    assert candidate.article_id == article.pk

    assert publish_candidate(candidate).pk == article.pk
    assert ArticlePage.objects.count() == 1


def test_an_image_that_fails_is_dropped_and_a_draft_stays_a_draft(source, httpserver):
    candidate = polled_and_processed(source)["news/2026/1116/8812.html"]
    # From now on the image is no longer an image.
    httpserver.clear_all_handlers()
    httpserver.expect_request("/news/images/2026/1116/market.jpg").respond_with_data(
        b"<html>not found</html>", content_type="image/jpeg"
    )

    article = publish_candidate(candidate, publish=False)

    article = ArticlePage.objects.get(pk=article.pk)
    assert not article.live
    assert article.has_unpublished_changes
    assert [block.block_type for block in article.body] == ["paragraph"] * 4
    assert ArticlePage.objects.live().count() == 0


def test_a_source_without_a_channel_cannot_publish(source):
    candidate = polled_and_processed(source)["news/2026/11/17/library.html"]
    source.default_channel = None
    source.save()
    candidate.refresh_from_db()
    with pytest.raises(ValueError, match="no default channel"):
        publish_candidate(candidate)
    assert ArticlePage.objects.count() == 0


def test_a_failing_feed_backs_off_and_the_source_stays_active(httpserver):
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    source = SourceFactory(feed_url=httpserver.url_for("/broken.xml"), poll_minutes=60)

    before = timezone.now()
    assert poll_source(source)["failed"] == 1
    state = SourceState.objects.get(source=source)
    assert state.failures == 1
    assert "500" in state.last_error
    # 60 minutes × 2, give or take a fifth.
    wait = state.next_poll_at - before
    assert datetime.timedelta(minutes=95) < wait < datetime.timedelta(minutes=146)

    poll_source(source)
    state.refresh_from_db()
    assert state.failures == 2
    assert state.next_poll_at - before > datetime.timedelta(minutes=190)

    SourceState.objects.filter(pk=state.pk).update(failures=40)
    poll_source(source)
    state.refresh_from_db()
    assert state.failures == 41
    assert state.next_poll_at - timezone.now() <= datetime.timedelta(hours=24)
    source.refresh_from_db()
    assert source.is_active


def test_one_broken_page_fails_alone(source, httpserver):
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=500)
    broken = Candidate.objects.create(
        source=source, external_id="gone", url=httpserver.url_for("/gone.html")
    )

    found = polled_and_processed(source)

    broken.refresh_from_db()
    assert broken.status == CandidateStatus.FAILED
    assert "500" in broken.error
    others = [c for key, c in found.items() if key != "gone.html"]
    assert [c.status for c in others] == ["ready"] * 3


def test_the_tasks_poll_process_and_auto_publish(source):
    source.auto_publish = True
    source.save()

    tasks.poll_source_task.enqueue(source_id=source.pk)

    assert Candidate.objects.filter(status=CandidateStatus.PUBLISHED).count() == 3
    assert ArticlePage.objects.live().filter(source=source).count() == 3


def test_due_sources_are_enqueued_once_per_slot(source, monkeypatch):
    polled = []
    monkeypatch.setattr(
        tasks, "poll_source", lambda s: polled.append(s.pk) or {"new": 0}
    )
    SourceFactory(is_active=False, feed_url="https://asleep.example/feed.xml")
    now = datetime.datetime(2026, 11, 27, 1, 10, tzinfo=datetime.UTC)

    assert tasks.enqueue_due_sources(now) == 1
    assert tasks.enqueue_due_sources(now + datetime.timedelta(minutes=5)) == 0
    assert polled == [source.pk]
    run = ScheduledRun.objects.get(job=f"ingest:{source.slug}")
    assert run.slot == datetime.datetime(2026, 11, 27, 1, 0, tzinfo=datetime.UTC)

    # The scheduler's tick takes the next slot, as long as the source is due.
    SourceState.objects.create(
        source=source, next_poll_at=now + datetime.timedelta(hours=3)
    )
    editions_tasks.run_once(now + datetime.timedelta(hours=1))
    assert polled == [source.pk]
    editions_tasks.run_once(now + datetime.timedelta(hours=3))
    assert polled == [source.pk, source.pk]


def test_a_feed_that_cannot_be_read_is_read_again_in_full(httpserver):
    not_a_feed = (Path(__file__).parent / "feeds" / "not_a_feed.html").read_bytes()
    httpserver.expect_request("/news.xml").respond_with_data(
        not_a_feed, content_type="text/html", headers={"ETag": '"x"'}
    )
    source = SourceFactory(feed_url=httpserver.url_for("/news.xml"))

    poll_source(source)
    poll_source(source)

    state = SourceState.objects.get(source=source)
    assert state.failures == 2
    assert state.etag == ""
    assert "If-None-Match" not in httpserver.log[-1][0].headers
