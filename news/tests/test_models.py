"""Article rules: buckets, photo sets, numbering, cover images, channels."""

import datetime

import pytest
from django.utils import timezone

from news.models import ArchiveMonthPage, ArchiveYearPage, ArticlePage
from news.tests.factories import (
    ChannelPageFactory,
    body,
    image_block,
    make_article,
    paragraphs,
    photo_set_block,
)
from news.wagtail_hooks import file_article_into_month

pytestmark = pytest.mark.django_db


def at(year, month, day=15):
    return datetime.datetime(
        year, month, day, 12, tzinfo=timezone.get_current_timezone()
    )


def test_articles_are_filed_into_year_and_month_buckets(channel):
    first = make_article(channel, slug="a", published_at=at(2026, 11))
    second = make_article(channel, slug="b", published_at=at(2026, 11, 2))
    third = make_article(channel, slug="c", published_at=at(2025, 3))

    assert first.url == "/australia/2026/11/a/"
    assert second.get_parent().pk == first.get_parent().pk
    assert third.url == "/australia/2025/03/c/"
    assert ArchiveYearPage.objects.child_of(channel).count() == 2
    assert ArchiveMonthPage.objects.count() == 2
    assert {article.channel_id for article in ArticlePage.objects.all()} == {channel.pk}


def test_an_article_added_to_a_channel_in_the_admin_moves_into_its_month(channel):
    article = channel.add_child(
        instance=ArticlePage(
            title="编辑新建", slug="new", published_at=at(2026, 8), body=paragraphs("x")
        )
    )
    file_article_into_month(None, article)
    article.refresh_from_db()
    assert article.url_path.endswith("/australia/2026/08/new/")
    assert article.channel_id == channel.pk


def test_moving_an_article_to_another_channel_updates_its_channel(channel, home):
    other = ChannelPageFactory(parent=home, title="国际", slug="world")
    article = make_article(channel, slug="moving", published_at=at(2026, 9))
    article.move(other.archive_for(article.published_at), pos="last-child")
    article.refresh_from_db()
    assert article.channel_id == other.pk


def test_a_photo_set_marks_the_title_and_numbers_every_image(channel, make_image):
    images = [make_image() for _ in range(4)]
    article = make_article(
        channel,
        title="组图新闻",
        body=body(image_block(images[0]), photo_set_block(images[1:])),
    )
    assert article.is_photo_set
    assert article.display_title == "组图新闻(组图)"
    assert article.cover_image_id == images[0].pk
    numbers = [(block.block_type, number) for block, number in article.numbered_body()]
    assert numbers == [("image", 1), ("photo_set", 2)]


def test_single_images_are_not_a_photo_set(channel, make_image):
    image = make_image()
    article = make_article(channel, title="单图", body=body(image_block(image)))
    assert not article.is_photo_set
    assert article.display_title == "单图"


def test_a_chosen_cover_image_is_kept(channel, make_image):
    cover, inline = make_image(), make_image()
    article = make_article(channel, cover_image=cover, body=body(image_block(inline)))
    assert article.cover_image_id == cover.pk


def test_top_per_channel_takes_the_newest_of_each_channel(channel, home):
    other = ChannelPageFactory(parent=home, title="财经", slug="finance")
    for day in range(1, 6):
        make_article(channel, slug=f"au-{day}", published_at=at(2026, 10, day))
    make_article(other, slug="fin-1", published_at=at(2026, 10, 1))
    grouped = ArticlePage.objects.live().for_listing().top_per_channel(3)
    assert [a.slug for a in grouped[channel.pk]] == ["au-5", "au-4", "au-3"]
    assert [a.slug for a in grouped[other.pk]] == ["fin-1"]


def test_drafts_are_not_listed(channel):
    make_article(channel, slug="draft", publish=False)
    assert not ArticlePage.objects.live().exists()
