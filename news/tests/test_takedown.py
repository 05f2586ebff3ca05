"""Taking a source down: every live story of it unpublished in one step, logged."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from wagtail.models import ModelLogEntry, PageLogEntry

from accounts.models import User
from accounts.tests.factories import UserFactory
from news.models import TAKEDOWN_ACTION, ArticlePage, Source
from news.tests.factories import SourceFactory, make_article

pytestmark = pytest.mark.django_db

LISTING = "/admin/snippets/news/source/"


def takedown_url(source) -> str:
    return f"/admin/sources/{source.pk}/takedown/"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(
        username="chief", email="chief@example.com", password="x", nickname="主编"
    )


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def outlets(channel):
    """Source A with three live stories and a draft, source B with one live story."""
    a, b = SourceFactory(name="甲报"), SourceFactory(name="乙报")
    a_live = [
        make_article(channel, source=a, is_republished=True, slug=f"a-{n}")
        for n in range(3)
    ]
    draft = make_article(channel, source=a, slug="a-draft", publish=False)
    b_live = make_article(channel, source=b, is_republished=True, slug="b-0")
    return a, b, a_live, draft, b_live


def live_ids() -> set[int]:
    return set(ArticlePage.objects.live().values_list("pk", flat=True))


def takedown_entries(source):
    return ModelLogEntry.objects.filter(
        action=TAKEDOWN_ACTION, object_id=str(source.pk)
    )


def test_confirm_page_shows_the_count_and_changes_nothing(staff_client, outlets):
    a, _, a_live, _, b_live = outlets
    before = live_ids()

    response = staff_client.get(takedown_url(a))

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")
    assert "3" in page.select_one(".takedown-count").get_text()
    assert page.select_one("form.takedown-form textarea[name=reason]")
    assert live_ids() == before
    a.refresh_from_db()
    assert a.is_active
    assert not takedown_entries(a).exists()


def test_takedown_unpublishes_every_live_story_of_that_source_only(
    staff_client, client, outlets, admin_user
):
    a, b, a_live, draft, b_live = outlets
    urls = [article.url for article in a_live]

    response = staff_client.post(takedown_url(a), {"reason": "对方撤回转载授权"})

    assert response.status_code == 302
    assert response["Location"] == LISTING
    for article in a_live:
        article.refresh_from_db()
        assert not article.live
    b_live.refresh_from_db()
    assert b_live.live
    a.refresh_from_db()
    b.refresh_from_db()
    assert not a.is_active and b.is_active

    (entry,) = takedown_entries(a)
    assert entry.user == admin_user
    assert entry.data == {"reason": "对方撤回转载授权", "articles": 3}
    assert "对方撤回转载授权" in entry.comment
    assert (
        PageLogEntry.objects.filter(
            action="wagtail.unpublish", page__in=[p.pk for p in a_live]
        ).count()
        == 3
    )

    client.logout()
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.get(b_live.url).status_code == 200


def test_a_reason_is_required(staff_client, outlets):
    a, *_ = outlets
    before = live_ids()

    response = staff_client.post(takedown_url(a), {"reason": "  "})

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")
    assert page.select_one(".takedown-form .error-message")
    assert live_ids() == before
    a.refresh_from_db()
    assert a.is_active
    assert not takedown_entries(a).exists()


def test_unknown_source_is_404(staff_client, db):
    assert staff_client.get("/admin/sources/999999/takedown/").status_code == 404
    response = staff_client.post("/admin/sources/999999/takedown/", {"reason": "x"})
    assert response.status_code == 404


def test_csrf_is_enforced(admin_user, outlets):
    from django.test import Client

    a, *_ = outlets
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_user)
    before = live_ids()

    response = csrf_client.post(takedown_url(a), {"reason": "没有令牌"})

    assert response.status_code == 403
    assert live_ids() == before


@pytest.fixture
def editor(db):
    """An admin user who may not change sources."""
    user = UserFactory(nickname="编辑")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return user


def test_non_privileged_admin_user_gets_403_and_nothing_changes(
    client, editor, outlets
):
    a, *_ = outlets
    before = live_ids()
    client.force_login(editor)

    assert client.get(takedown_url(a)).status_code == 403
    assert client.post(takedown_url(a), {"reason": "试试"}).status_code == 403

    assert live_ids() == before
    assert Source.objects.get(pk=a.pk).is_active
    assert not takedown_entries(a).exists()


def test_source_editor_may_take_down(client, editor, outlets):
    a, *_ = outlets
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="news", codename="change_source")
    )
    client.force_login(editor)

    response = client.post(takedown_url(a), {"reason": "版权方要求"})

    assert response.status_code == 302
    assert not ArticlePage.objects.live().filter(source=a).exists()


def test_listing_links_to_the_takedown(staff_client, client, editor, outlets):
    a, *_ = outlets
    page = BeautifulSoup(staff_client.get(LISTING).content, "lxml")
    assert page.select(f'a[href="{takedown_url(a)}"]')

    client.force_login(editor)
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="news", codename="view_source"
        )
    )
    response = client.get(LISTING)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")
    assert "甲报" in page.select_one("table.listing").get_text()
    assert not page.select(f'a[href="{takedown_url(a)}"]')


def test_edit_page_offers_the_takedown(staff_client, outlets):
    a, b, *_ = outlets
    response = staff_client.get(f"/admin/snippets/news/source/edit/{a.pk}/")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")
    assert page.select(f'a[href="{takedown_url(a)}"]')
    assert not page.select(f'a[href="{takedown_url(b)}"]')
