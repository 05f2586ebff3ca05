"""Source settings: their validation, and what a republished story's head tells
search engines; corrections and retractions on the article page."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.utils import timezone

from news.models import SearchEngines, SourceKind
from news.tests.factories import SourceFactory, make_article

pytestmark = pytest.mark.django_db

ORIGINAL = "https://nanshizi.example/2026/fireworks"


def head_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml").head


def canonical_hrefs(head) -> list[str]:
    return [link["href"] for link in head.select('link[rel="canonical"]')]


def robots(head) -> list[str]:
    return [meta["content"] for meta in head.select('meta[name="robots"]')]


# Validation


def test_a_feed_or_sitemap_needs_its_url():
    for kind in (SourceKind.RSS, SourceKind.SITEMAP):
        source = SourceFactory.build(kind=kind, feed_url="")
        with pytest.raises(ValidationError) as error:
            source.full_clean()
        assert "feed_url" in error.value.message_dict

    SourceFactory.build(kind=SourceKind.RSS, feed_url=ORIGINAL).full_clean()


def test_a_hand_made_list_needs_valid_urls():
    source = SourceFactory.build(kind=SourceKind.URLS, url_list=" \n ")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "url_list" in error.value.message_dict

    source.url_list = f"{ORIGINAL}\nnot a url\n"
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "not a url" in error.value.message_dict["url_list"][0]

    source.url_list = f"{ORIGINAL}\n\n  https://nanshizi.example/b  \n"
    source.full_clean()
    assert source.article_urls() == [ORIGINAL, "https://nanshizi.example/b"]


def test_polling_more_often_than_every_15_minutes_is_refused():
    source = SourceFactory.build(feed_url=ORIGINAL, poll_minutes=5)
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "poll_minutes" in error.value.message_dict


def test_defaults():
    source = SourceFactory()
    assert source.kind == SourceKind.RSS
    assert source.poll_minutes == 60
    assert source.is_active and not source.auto_publish
    assert source.search_engines == SearchEngines.CANONICAL
    assert source.script_conversion == ""


# What the article's head tells search engines


def test_canonical_source_points_search_engines_to_the_original(client, channel):
    source = SourceFactory(search_engines=SearchEngines.CANONICAL)
    article = make_article(
        channel, source=source, original_url=ORIGINAL, is_republished=True
    )
    head = head_of(client.get(article.url))
    assert canonical_hrefs(head) == [ORIGINAL]
    assert robots(head) == []


def test_noindex_source_keeps_our_copy_out_of_search_engines(client, channel):
    source = SourceFactory(search_engines=SearchEngines.NOINDEX)
    article = make_article(
        channel, source=source, original_url=ORIGINAL, is_republished=True
    )
    head = head_of(client.get(article.url))
    assert robots(head) == ["noindex, follow"]
    (href,) = canonical_hrefs(head)
    assert href.endswith(article.url) and href != ORIGINAL


@pytest.mark.parametrize(
    "fields",
    [
        {"is_republished": False, "original_url": ORIGINAL},  # own story, with a link
        {"is_republished": True, "original_url": ""},  # no original to point to
    ],
)
def test_other_articles_keep_their_own_canonical(client, channel, fields):
    source = SourceFactory(search_engines=SearchEngines.CANONICAL)
    article = make_article(channel, source=source, **fields)
    head = head_of(client.get(article.url))
    (href,) = canonical_hrefs(head)
    assert href == f"http://testserver{article.url}"
    assert robots(head) == []


def test_republished_without_source_is_neither_canonical_nor_noindex(client, channel):
    article = make_article(channel, original_url=ORIGINAL, is_republished=True)
    head = head_of(client.get(article.url))
    assert canonical_hrefs(head) == [f"http://testserver{article.url}"]
    assert robots(head) == []


# Corrections and retractions


def notice_of(client, article):
    response = client.get(article.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml").select("aside.correction")


def test_no_notice_without_a_note(client, channel):
    article = make_article(channel)
    assert article.corrected_at is None
    assert notice_of(client, article) == []


def test_correction_notice_sits_under_the_header(client, channel):
    source = SourceFactory()
    article = make_article(
        channel,
        source=source,
        is_republished=True,
        correction_kind="correction",
        correction_note="本文此前误将地点写为墨尔本,现已更正为悉尼。",
    )
    assert article.corrected_at is not None

    (notice,) = notice_of(client, article)
    assert notice["class"] == ["correction", "correction-correction"]
    assert notice["role"] == "note"
    assert notice.strong.get_text() in {"更正", "Correction"}
    assert "现已更正为悉尼" in notice.get_text()
    corrected = timezone.localtime(article.corrected_at)
    assert notice.time["datetime"].startswith(corrected.strftime("%Y-%m-%d"))
    # Under the header, before the top disclaimer.
    assert notice.find_previous_sibling().name == "header"
    assert "disclaimer-top" in notice.find_next_sibling()["class"]


def test_retracted_article_stays_readable_with_the_notice_on_top(client, channel):
    article = make_article(
        channel,
        correction_kind="retraction",
        correction_note="经核实,本文所述事件不实,现予撤稿。",
    )
    (notice,) = notice_of(client, article)
    assert "correction-retraction" in notice["class"]
    assert notice.strong.get_text() in {"撤稿", "Retraction"}
    assert "现予撤稿" in notice.get_text()
    page = BeautifulSoup(client.get(article.url).content, "lxml")
    assert "第一段正文" in page.select_one(".article-body").get_text()


def test_correction_time_is_kept_when_the_note_changes(channel):
    article = make_article(
        channel, correction_kind="correction", correction_note="第一次更正。"
    )
    first = article.corrected_at
    article.correction_note = "第一次更正。补充说明。"
    article.save_revision().publish()
    article.refresh_from_db()
    assert article.corrected_at == first


def test_a_note_and_its_kind_go_together(channel):
    article = make_article(channel)
    article.correction_kind = "retraction"
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "correction_note" in error.value.message_dict

    article.correction_kind = ""
    article.correction_note = "一条说明"
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "correction_kind" in error.value.message_dict


def test_admin_saves_the_settings_and_refuses_a_feed_without_url(client, channel, city):
    from accounts.models import User

    client.force_login(
        User.objects.create_superuser(
            username="chief", email="chief@example.com", password="x", nickname="主编"
        )
    )
    source = SourceFactory()
    url = f"/admin/snippets/news/source/edit/{source.pk}/"
    data = {
        "name": source.name,
        "slug": source.slug,
        "home_url": "",
        "licence_note": "",
        "is_active": "on",
        "kind": "rss",
        "feed_url": "",
        "url_list": "",
        "poll_minutes": "30",
        "encoding_override": "gbk",
        "default_channel": str(channel.pk),
        "default_cities": [str(city.pk)],
        "script_conversion": "t2s",
        "search_engines": "noindex",
    }

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert BeautifulSoup(refused.content, "lxml").select_one(
        "[data-field-wrapper] .error-message, .error-message"
    )

    assert client.post(url, {**data, "feed_url": ORIGINAL}).status_code == 302
    source.refresh_from_db()
    assert (source.feed_url, source.poll_minutes) == (ORIGINAL, 30)
    assert source.default_channel == channel
    assert list(source.default_cities.all()) == [city]
    assert (source.script_conversion, source.search_engines) == ("t2s", "noindex")
    assert not source.auto_publish
