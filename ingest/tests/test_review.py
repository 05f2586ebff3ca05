"""The editors' republishing queue in the Wagtail admin: listing, reviewing,
publishing, drafting and rejecting candidates, and who may do so."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.tests.factories import UserFactory
from editions.tests.factories import CityFactory
from ingest.models import Candidate, CandidateStatus
from ingest.wagtail_hooks import register_queue_menu_item
from news.models import ArticlePage
from news.tests.factories import ChannelPageFactory, SourceFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/ingest/"


@pytest.fixture
def source(channel, city):
    source = SourceFactory(name="澳洲华人日报", default_channel=channel)
    source.default_cities.set([city])
    return source


def make_candidate(source, n: int = 1, **fields) -> Candidate:
    paragraphs = [f"第{n}篇新闻的第一段。", f"第{n}篇新闻的第二段。"]
    fields.setdefault("status", CandidateStatus.READY)
    fields.setdefault("title", f"第{n}篇新闻标题")
    fields.setdefault("published", timezone.now() - datetime.timedelta(hours=100 - n))
    return Candidate.objects.create(
        source=source,
        external_id=f"item-{n}",
        url=f"https://outlet.example/news/{n}.html",
        author="记者王明",
        source_name="澳洲华人日报网",
        keywords=["悉尼", "图书馆"],
        data={
            "paragraphs": paragraphs,
            "images": [
                {
                    "src": f"https://outlet.example/img/{n}.jpg",
                    "caption": "图书馆外景",
                    "credit": "刘晓明",
                }
            ],
            "blocks": [
                {"type": "paragraph", "value": f"<p>{text}</p>"} for text in paragraphs
            ],
        },
        **fields,
    )


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(
        username="boss", email="boss@example.com", password="x", nickname="主编"
    )
    client.force_login(admin)
    return client


@pytest.fixture
def editor(db):
    """An admin user without the reviewer's permission."""
    user = UserFactory(nickname="编辑")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return user


def review_url(candidate) -> str:
    return reverse("ingest_admin:review", args=[candidate.pk])


def rows(response) -> list[int]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [int(row["data-candidate"]) for row in soup.select("[data-candidate]")]


def test_the_urls():
    assert reverse("ingest_admin:queue") == QUEUE
    assert review_url(Candidate(pk=7)) == "/admin/ingest/7/"


def test_the_queue_lists_ready_candidates_newest_first(admin_client, source):
    older, newer = make_candidate(source, 1), make_candidate(source, 2)
    failed = make_candidate(source, 3, status=CandidateStatus.FAILED, error="500")
    copy = make_candidate(
        source, 4, status=CandidateStatus.DUPLICATE, duplicate_of=older
    )

    response = admin_client.get(QUEUE)

    assert response.status_code == 200
    assert rows(response) == [newer.pk, older.pk]
    soup = BeautifulSoup(response.content, "html.parser")
    link = soup.select_one(f'[data-candidate="{newer.pk}"] a')
    assert link["href"] == review_url(newer)
    assert link.text == "第2篇新闻标题"
    assert "澳洲华人日报" in soup.select_one(f'[data-candidate="{newer.pk}"]').text

    response = admin_client.get(QUEUE + "?status=failed")
    assert rows(response) == [failed.pk]
    assert "500" in response.content.decode()
    response = admin_client.get(QUEUE + "?status=duplicate")
    soup = BeautifulSoup(response.content, "html.parser")
    assert rows(response) == [copy.pk]
    assert soup.select_one("a.duplicate-of")["href"] == review_url(older)


@pytest.mark.parametrize("query", ["?p=abc", "?p=999", "?p=-1", "?status=nope"])
def test_bad_queue_parameters_are_harmless(admin_client, source, query):
    candidate = make_candidate(source)
    response = admin_client.get(QUEUE + query)
    assert response.status_code == 200
    assert rows(response) == [candidate.pk]


def test_the_review_page_shows_the_preview_and_the_form(admin_client, source, city):
    candidate = make_candidate(source)

    response = admin_client.get(review_url(candidate))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    text = soup.get_text()
    assert "第1篇新闻的第二段。" in text
    assert "记者王明" in text
    assert "澳洲华人日报网" in text
    assert "刘晓明" in text
    original = soup.select_one("a.original")
    assert original["href"] == candidate.url
    assert original["target"] == "_blank"
    assert "noopener" in original["rel"]
    image = soup.select_one(".ingest-preview img")
    assert image["src"] == "https://outlet.example/img/1.jpg"
    assert image["referrerpolicy"] == "no-referrer"
    assert soup.select_one("input[name=keywords]")["value"] == "悉尼、图书馆"
    selected = soup.select_one("select[name=channel] option[selected]")
    assert int(selected["value"]) == source.default_channel_id
    checked = soup.select("input[name=cities][checked]")
    assert [int(box["value"]) for box in checked] == [city.pk]
    actions = {b["value"] for b in soup.select("button[name=action]")}
    assert actions == {"publish", "draft", "reject"}


def test_get_changes_nothing(admin_client, source):
    candidate = make_candidate(source)
    admin_client.get(review_url(candidate) + "?action=publish")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.READY
    assert not ArticlePage.objects.exists()


def test_publishing_makes_a_live_article_with_the_editors_choices(
    admin_client, source, home
):
    other = ChannelPageFactory(parent=home, title="财经", slug="finance")
    melbourne = CityFactory(slug="melbourne", name="墨尔本", name_en="Melbourne")
    candidate = make_candidate(source)
    data = {
        "keywords": "房价, 利率、 房价",
        "channel": other.pk,
        "cities": [melbourne.pk],
        "action": "publish",
    }

    response = admin_client.post(review_url(candidate), data, follow=True)

    assert response.redirect_chain[-1][0] == QUEUE
    article = ArticlePage.objects.get()
    assert article.live
    assert article.title == "第1篇新闻标题"
    assert article.channel == other
    assert sorted(article.keywords.names()) == ["利率", "房价"]
    assert list(article.cities.all()) == [melbourne]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PUBLISHED
    assert candidate.article_id == article.pk
    assert article.title in response.content.decode()
    entry = ModelLogEntry.objects.get(action="huaxun_ingest.publish")
    assert entry.object_id == str(candidate.pk)

    # A second submission (a double click, a stale tab) makes nothing new.
    response = admin_client.post(review_url(candidate), data)
    assert response.status_code == 302
    assert ArticlePage.objects.count() == 1
    assert (
        ModelLogEntry.objects.filter(action__startswith="huaxun_ingest.").count() == 1
    )
    page = admin_client.get(review_url(candidate))
    soup = BeautifulSoup(page.content, "html.parser")
    assert not soup.select("button[name=action]")
    assert soup.select_one(".ingest-article a")["href"] == article.get_url()


def test_a_draft_stays_unpublished(admin_client, source, channel, city):
    candidate = make_candidate(source)
    data = {
        "keywords": "悉尼",
        "channel": channel.pk,
        "cities": [city.pk],
        "action": "draft",
    }

    response = admin_client.post(review_url(candidate), data)

    assert response.status_code == 302
    article = ArticlePage.objects.get()
    assert not article.live
    assert ArticlePage.objects.live().count() == 0
    assert ModelLogEntry.objects.filter(action="huaxun_ingest.draft").count() == 1


def test_rejecting(admin_client, source):
    candidate = make_candidate(source)

    response = admin_client.post(review_url(candidate), {"action": "reject"})

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED
    assert not ArticlePage.objects.exists()
    assert ModelLogEntry.objects.filter(action="huaxun_ingest.reject").count() == 1
    assert rows(admin_client.get(QUEUE + "?status=rejected")) == [candidate.pk]


def test_publishing_without_a_channel_changes_nothing(admin_client, source):
    source.default_channel = None
    source.save()
    candidate = make_candidate(source)

    response = admin_client.post(
        review_url(candidate), {"keywords": "悉尼", "action": "publish"}
    )

    assert response.status_code == 400
    assert not ArticlePage.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.READY
    assert not ModelLogEntry.objects.filter(action__startswith="huaxun_ingest.")


def test_a_failed_candidate_cannot_be_published(admin_client, source, channel):
    candidate = make_candidate(source, status=CandidateStatus.FAILED, error="500")

    response = admin_client.post(
        review_url(candidate), {"channel": channel.pk, "action": "publish"}
    )

    assert response.status_code == 400
    assert not ArticlePage.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.FAILED


def test_non_reviewers_get_403_and_change_nothing(client, editor, source, channel):
    candidate = make_candidate(source)
    client.force_login(editor)

    assert client.get(QUEUE).status_code == 403
    assert client.get(review_url(candidate)).status_code == 403
    assert client.get(reverse("ingest_admin:sources")).status_code == 403
    for action in ("publish", "reject"):
        response = client.post(
            review_url(candidate), {"channel": channel.pk, "action": action}
        )
        assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.READY
    assert not ArticlePage.objects.exists()
    assert not ModelLogEntry.objects.filter(action__startswith="huaxun_ingest.")


def test_the_permission_makes_a_reviewer(client, editor, source):
    editor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="ingest", codename="change_candidate"
        )
    )
    client.force_login(editor)
    assert client.get(QUEUE).status_code == 200


def test_csrf_is_enforced(source, db):
    from django.test import Client

    admin = User.objects.create_superuser(
        username="boss", email="boss@example.com", password="x", nickname="主编"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    candidate = make_candidate(source)

    response = client.post(review_url(candidate), {"action": "reject"})

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.READY


def test_the_menu_counts_ready_stories(rf, source, editor):
    make_candidate(source, 1)
    make_candidate(source, 2)
    make_candidate(source, 3, status=CandidateStatus.FAILED)
    item = register_queue_menu_item()
    request = rf.get("/admin/")
    request.user = User.objects.create_superuser(
        username="boss", email="boss@example.com", password="x", nickname="主编"
    )

    assert item.is_shown(request)
    component = item.render_component(request)
    assert component.label == f"{gettext('Republishing queue')} (2)"
    assert component.url == QUEUE
    request.user = editor
    assert not item.is_shown(request)


def test_the_sources_status_page(admin_client, source):
    from ingest.models import SourceState

    SourceState.objects.create(source=source, failures=3, last_error="HTTP 503")

    response = admin_client.get(reverse("ingest_admin:sources"))

    assert response.status_code == 200
    row = BeautifulSoup(response.content, "html.parser").select_one(
        f'[data-source="{source.pk}"]'
    )
    assert "HTTP 503" in row.text
    assert "3" in row.text
