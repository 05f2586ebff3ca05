import datetime
import random

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from accounts.tests.factories import UserFactory
from editions.tests.factories import CityFactory
from news.generate import Plan, generate
from news.generate.index import index_articles
from news.generate.text import RARE_WORDS, article_text, rare_word_for
from news.models import (
    ArchiveMonthPage,
    ArticleKeyword,
    ArticlePage,
    ChannelPage,
)
from news.tests.factories import ChannelPageFactory, make_article

START = timezone.make_aware(datetime.datetime(2025, 3, 10))
COUNT = 300


@pytest.fixture
def channels(channel, home):
    return [channel, ChannelPageFactory(parent=home, title="财经", slug="finance")]


@pytest.fixture
def generated(channels, city):
    CityFactory(slug="melbourne", name="墨尔本", name_en="Melbourne")
    report = generate(Plan(count=COUNT, seed=7, batch=120, start=START, days=90))
    assert report.inserted == COUNT
    return report


def generated_articles():
    return ArticlePage.objects.filter(slug__startswith="gen-")


def assert_tree_valid():
    assert Page.find_problems() == ([], [], [], [], [])
    for page in Page.objects.filter(depth__gt=1).select_related(None):
        parent = page.get_parent()
        assert page.depth == parent.depth + 1
        assert page.url_path == f"{parent.url_path}{page.slug}/"
    for page in Page.objects.all():
        assert page.numchild == page.get_children().count(), page.url_path


@pytest.mark.django_db
def test_the_tree_stays_valid(generated):
    assert_tree_valid()
    assert ArticlePage.objects.live().count() == COUNT
    assert Page.objects.live().type(ArticlePage).count() == COUNT
    months = ArchiveMonthPage.objects.all()
    # 10 March to 8 June: four months in each of two channels.
    assert months.count() == 8
    assert sum(month.numchild for month in months) == COUNT
    for article in generated_articles().select_related("channel")[:50]:
        month = article.get_parent().specific
        assert isinstance(month, ArchiveMonthPage)
        local = timezone.localtime(article.published_at)
        assert month.slug == f"{local.month:02d}"
        assert month.get_parent().slug == str(local.year)
        assert article.channel == article.find_channel()
        assert article.first_published_at == article.published_at


@pytest.mark.django_db
def test_articles_have_text_keywords_and_cities(generated):
    articles = list(generated_articles())
    for article in articles:
        assert 8 <= len(article.title) <= 25
        paragraphs = [block.value.source for block in article.body]
        assert 3 <= len(paragraphs) <= 8
        assert article.summary and article.summary in paragraphs[0]
        keywords = article.keywords.count()
        assert 2 <= keywords <= 5
        assert article.cities.count() <= 2
    assert ArticleKeyword.objects.count() >= 2 * COUNT
    assert ArticleKeyword.objects.values("tag_id").distinct().count() > 50
    assert Tag.objects.count() >= 1000
    with_cities = ArticlePage.cities.through.objects.values("articlepage_id")
    assert with_cities.distinct().count() > COUNT / 3
    # Frequent words are frequent: 的 is in most articles, 鸡尾酒 in few.
    bodies = [str(article.body.raw_data) for article in articles]
    assert sum("的" in body for body in bodies) > COUNT / 2
    assert sum("鸡尾酒" in body for body in bodies) < COUNT / 20
    planted = [a for a in articles if rare_word_for(int(a.slug[4:]))]
    assert planted
    for article in articles:
        word = rare_word_for(int(article.slug[4:]))
        text = "".join(block["value"] for block in article.body.raw_data)
        for rare in RARE_WORDS:
            assert (rare in text) == (rare == word), (article.slug, rare)


@pytest.mark.django_db
def test_generated_articles_are_served_and_listed(generated, client, channels):
    sample = random.Random(3).sample(list(generated_articles()), 8)
    for article in sample:
        response = client.get(article.url)
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        assert article.title in soup.find("h1").get_text()
        assert article.summary[:20] in soup.get_text()
    for channel in channels:
        newest = (
            ArticlePage.objects.live()
            .filter(channel=channel)
            .order_by("-published_at")
            .first()
        )
        soup = BeautifulSoup(client.get(channel.url).content, "html.parser")
        assert newest.url in {a["href"] for a in soup.find_all("a", href=True)}
        month = newest.get_parent()
        soup = BeautifulSoup(client.get(month.url).content, "html.parser")
        assert newest.url in {a["href"] for a in soup.find_all("a", href=True)}


@pytest.mark.django_db
def test_the_admin_edits_a_generated_article(generated, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    article = generated_articles().last()
    response = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("input", attrs={"name": "title"})["value"] == article.title


@pytest.mark.django_db
def test_pages_added_the_normal_way_after_generation(generated, channels):
    moment = START + datetime.timedelta(days=20)
    article = make_article(channels[0], title="生成之后手工发布", published_at=moment)
    assert article.get_parent().specific == channels[0].archive_for(moment)
    assert_tree_valid()
    assert ArticlePage.objects.live().count() == COUNT + 1


@pytest.mark.django_db
def test_a_second_run_appends(generated):
    first_slugs = set(generated_articles().values_list("slug", flat=True))
    report = generate(Plan(count=100, seed=7, batch=64, start=START, days=90))
    assert report.inserted == 100
    slugs = set(generated_articles().values_list("slug", flat=True))
    assert len(slugs) == COUNT + 100
    assert first_slugs < slugs
    assert_tree_valid()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_text():
    places = ["悉尼", "查茨伍德"]
    one = article_text(random.Random(11), places, "鸭嘴兽")
    two = article_text(random.Random(11), places, "鸭嘴兽")
    other = article_text(random.Random(12), places, "鸭嘴兽")
    assert one == two
    assert one != other
    assert "鸭嘴兽" in "".join(one.paragraphs)


@pytest.mark.django_db
def test_the_command_generates_and_reports(channels, capsys):
    call_command(
        "generate_articles", "40", "--seed", "2", "--no-index", "--channels", "finance"
    )
    assert "inserted 40 articles" in capsys.readouterr().out
    assert set(generated_articles().values_list("channel__slug", flat=True)) == {
        "finance"
    }
    assert_tree_valid()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["10", "--channels", "nowhere"],
        ["-5"],
        ["10", "--batch", "0"],
        ["10", "--start-date", "2025-13-40"],
        ["10", "--index-batch", "0"],
        ["10", "--workers", "-1"],
    ],
)
def test_the_command_refuses_bad_input(channels, args):
    with pytest.raises(CommandError):
        call_command("generate_articles", *args, "--no-index")
    assert not generated_articles().exists()


@pytest.mark.django_db
def test_the_command_needs_channels(db):
    ChannelPage.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("generate_articles", "10", "--no-index")


CHINESE_BACKEND = settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]


@pytest.mark.django_db
@pytest.mark.skipif(
    CHINESE_BACKEND != "search.backend",
    reason="needs the Chinese search backend (search.backend), which segments "
    "words; the default backend does not find words inside Chinese text",
)
def test_a_rare_word_finds_exactly_the_articles_it_was_planted_in(generated):
    report = index_articles(generated)
    assert report.indexed == COUNT
    for word in {rare_word_for(n) for n in range(COUNT)} - {None}:
        expected = {
            article.pk
            for article in generated_articles()
            if rare_word_for(int(article.slug[4:])) == word
        }
        found = {article.pk for article in ArticlePage.objects.live().search(word)}
        assert found == expected, word


@pytest.mark.django_db
@pytest.mark.skipif(
    CHINESE_BACKEND != "search.backend", reason="needs search.backend (see above)"
)
def test_the_command_indexes_again_from_scratch(channels, capsys):
    call_command("generate_articles", "30", "--seed", "4", "--workers", "0")
    assert "indexed 30" in capsys.readouterr().out
    article = generated_articles().order_by("pk").first()
    word = article.title[-4:]
    assert article in ArticlePage.objects.live().search(word)

    call_command(
        "generate_articles", "0", "--index-only", "--reindex", "--workers", "0"
    )

    assert "indexed 30" in capsys.readouterr().out
    assert article in ArticlePage.objects.live().search(word)
