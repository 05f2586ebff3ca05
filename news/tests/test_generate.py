import datetime
import random
import uuid

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Page

from accounts.models import User
from accounts.tests.factories import UserFactory
from comments.forms import body_hash
from comments.models import Comment, Notification
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

Image = get_image_model()
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
        ["10", "--comments-per-article", "-1"],
        ["10", "--readers", "0"],
        ["10", "--cover-share", "1.5"],
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


# Comments, readers and cover images.

DISCUSSED = 60


@pytest.fixture
def discussed(channels, city):
    """Articles of the past ten days (comments still open) with comments and covers,
    in several batches."""
    report = generate(
        Plan(
            count=DISCUSSED,
            seed=5,
            batch=25,
            start=timezone.now() - datetime.timedelta(days=10),
            days=10,
            comments_per_article=10,
            readers=40,
            cover_share=1 / 3,
            covers=6,
        )
    )
    assert report.inserted == DISCUSSED
    return report


def thread_key(comment: Comment) -> int:
    return comment.parent_id or comment.pk


@pytest.mark.django_db
def test_comments_are_the_rows_the_app_writes(discussed):
    comments = {c.pk: c for c in Comment.objects.select_related("article")}
    assert discussed.comments == len(comments)
    # An average of 10, drawn: many articles with few, some with many.
    assert 5 * DISCUSSED <= len(comments) <= 15 * DISCUSSED
    per_article = [a.comments.count() for a in generated_articles()]
    assert sum(n <= 3 for n in per_article) >= DISCUSSED / 6
    assert max(per_article) >= 25
    replies = [c for c in comments.values() if c.parent_id]
    assert len(comments) / 5 < len(replies) < len(comments) / 2
    assert {c.status for c in comments.values()} == {Comment.Status.PUBLISHED}
    for comment in comments.values():
        assert comment.held_reason == ""
        assert comment.created_at > comment.article.published_at
        assert comment.created_at <= timezone.now()
        assert 10 <= len(comment.body) <= 80
        assert comment.body_hash == body_hash(comment.body)
        if comment.parent_id is None:
            assert comment.reply_to_id is None and comment.reply_to_user_id is None
            continue
        parent = comments[comment.parent_id]
        assert parent.parent_id is None
        assert parent.article_id == comment.article_id
        answered = comments[comment.reply_to_id]
        assert thread_key(answered) == comment.parent_id
        assert answered.pk < comment.pk
        assert answered.created_at <= comment.created_at
        assert comment.reply_to_user_id == answered.user_id
    # The counters are what the comments app's own recount makes of these rows.
    for comment in comments.values():
        assert comment.reply_count == sum(r.parent_id == comment.pk for r in replies)
    for article in generated_articles():
        before = article.comment_count
        assert before == sum(c.article_id == article.pk for c in comments.values())
        if before:
            article.comments.first().refresh_counts()
            article.refresh_from_db()
            assert article.comment_count == before
    expected = {
        (c.reply_to_user_id, c.user_id, c.pk)
        for c in replies
        if c.reply_to_user_id != c.user_id
    }
    notices = Notification.objects.filter(kind=Notification.Kind.REPLY)
    assert set(notices.values_list("recipient_id", "actor_id", "comment_id")) == (
        expected
    )
    assert notices.count() == len(expected)


@pytest.mark.django_db
def test_readers_are_a_reused_pool(discussed):
    readers = User.objects.filter(username__startswith="gen-reader-")
    assert readers.count() == 40
    nicknames = {r.nickname.lower() for r in readers}
    assert len(nicknames) == 40
    assert len({r.email.lower() for r in readers}) == 40
    assert all(r.email_confirmed and not r.has_usable_password() for r in readers)
    writers = set(Comment.objects.values_list("user_id", flat=True))
    assert writers <= set(readers.values_list("pk", flat=True))
    assert len(writers) > 20

    comments, images = Comment.objects.count(), Image.objects.count()
    report = generate(
        Plan(
            count=20,
            seed=5,
            comments_per_article=5,
            readers=40,
            cover_share=0.5,
            covers=6,
        )
    )
    assert report.comments > 0
    assert readers.count() == 40
    assert Comment.objects.count() == comments + report.comments
    assert Image.objects.count() == images
    assert_tree_valid()


@pytest.mark.django_db
def test_an_article_page_shows_its_generated_comments(discussed, client):
    article = generated_articles().order_by("-comment_count").first()
    response = client.get(article.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    count = article.comment_count
    assert f"({count})" in soup.select_one("h3.comments-count").get_text()
    assert str(count) in soup.select_one("a.comment-count").get_text()
    shown = {
        int(a["id"].removeprefix("comment-")) for a in soup.select("article.comment")
    }
    newest = article.comments.filter(parent=None).order_by("-id")[:5]
    assert {c.pk for c in newest} <= shown
    for comment in newest:
        node = soup.select_one(f"#comment-{comment.pk}")
        assert node.select_one(".comment-body").get_text().strip() == comment.body
        assert node.select_one(".comment-author").get_text() == comment.user.nickname


@pytest.mark.django_db
def test_a_reader_replies_to_a_generated_comment(discussed, client):
    reader = UserFactory(email_confirmed=True)
    client.force_login(reader)
    comment = Comment.objects.filter(parent=None).order_by("-id").first()
    article = comment.article
    replies, total = comment.reply_count, article.comment_count
    response = client.post(
        reverse("comments:post", args=[article.pk]),
        {"body": "同意楼上的看法", "parent": comment.pk, "key": str(uuid.uuid4())},
    )
    assert response.status_code in (200, 302)
    reply = Comment.objects.get(user=reader)
    assert reply.parent_id == comment.pk and reply.is_visible
    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.reply_count == replies + 1
    assert article.comment_count == total + 1


@pytest.mark.django_db
def test_the_moderation_queue_lists_generated_comments(discussed, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/comments/", {"tab": "all"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    listed = {int(tr["data-comment"]) for tr in soup.select("tr[data-comment]")}
    newest = set(Comment.objects.order_by("-id").values_list("pk", flat=True)[:10])
    assert newest <= listed


@pytest.mark.django_db
def test_a_share_of_articles_have_cover_images(discussed, client, channels):
    covers = set(Image.objects.filter(title__startswith="gen-cover-"))
    assert len(covers) == 6
    with_cover = generated_articles().filter(cover_image__isnull=False)
    assert DISCUSSED / 6 <= with_cover.count() <= DISCUSSED / 2
    assert {a.cover_image for a in with_cover} <= covers
    for image in covers:
        assert image.width == 640 and image.file.size > 0
    for channel in channels:
        soup = BeautifulSoup(client.get(channel.url).content, "html.parser")
        stories = {
            li.select_one("a.story-link")["href"]: li for li in soup.select("li.story")
        }
        shown = [a for a in with_cover.filter(channel=channel) if a.url in stories]
        assert shown
        for article in shown:
            img = stories[article.url].find("img")
            assert img is not None and img["src"]
        for article in generated_articles().filter(
            channel=channel, cover_image__isnull=True
        ):
            if article.url in stories:
                assert stories[article.url].find("img") is None


@pytest.mark.django_db
def test_the_command_without_comments_or_covers(channels, capsys):
    call_command(
        "generate_articles",
        "20",
        "--no-index",
        "--comments-per-article",
        "0",
        "--cover-share",
        "0",
    )
    out = capsys.readouterr().out
    assert "inserted 20 articles in" in out
    assert not Comment.objects.exists()
    assert not User.objects.filter(username__startswith="gen-reader-").exists()
    assert not Image.objects.exists()


@pytest.mark.django_db
def test_the_command_writes_comments_by_default(channels, capsys):
    call_command("generate_articles", "30", "--no-index", "--readers", "25")
    out = capsys.readouterr().out
    total = Comment.objects.count()
    assert total > 0
    assert f"inserted 30 articles and {total} comments" in out
    assert "comments/s" in out
    assert User.objects.filter(username__startswith="gen-reader-").count() == 25
