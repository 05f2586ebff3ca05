"""Two queries every page used to make, answered from memory: whether any page is
private (core/restrictions.py) and which site a host names (core/sites.py)."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from wagtail.models import PageViewRestriction, Site

from core import sites
from core.models import HomePage
from news.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kept(settings):
    settings.CHROME_SECONDS = 60
    caches[settings.PAGE_CACHE_ALIAS].clear()
    sites._found.clear()
    yield
    caches[settings.PAGE_CACHE_ALIAS].clear()
    sites._found.clear()


def test_a_page_made_private_is_refused_at_once(
    client, channel, django_capture_on_commit_callbacks
):
    article = make_article(channel, title="会员专享", slug="members")
    assert client.get(article.url).status_code == 200  # "no restrictions" is kept

    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=article, restriction_type=PageViewRestriction.LOGIN
        )

    response = client.get(article.url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert client.get(article.url).status_code == 200


def test_a_restriction_on_a_channel_covers_its_articles(
    client, channel, django_capture_on_commit_callbacks
):
    article = make_article(channel, title="频道内文章", slug="inside")
    assert client.get(article.url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=channel, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    response = client.get(article.url)
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert "频道内文章" not in response.content.decode()


def test_each_host_gets_its_own_site(client, home, channel, settings):
    settings.ALLOWED_HOSTS = ["*"]
    path = urlsplit(make_article(channel, title="主站文章", slug="main-site").url).path
    other_home = home.get_parent().add_child(
        instance=HomePage(title="第二个站点", slug="second-home")
    )
    Site.objects.create(hostname="second.example", port=80, root_page=other_home)

    assert client.get(path).status_code == 200
    assert client.get(path, HTTP_HOST="second.example").status_code == 404
    assert client.get("/", HTTP_HOST="second.example").status_code == 200
    # A site saved in this process is seen at once.
    Site.objects.filter(hostname="second.example").delete()
    assert client.get(path, HTTP_HOST="second.example").status_code == 200


def test_made_up_hosts_do_not_grow_the_table(client, home, settings):
    settings.ALLOWED_HOSTS = ["*"]
    for n in range(sites.MAX_HOSTS * 3):
        client.get("/", HTTP_HOST=f"h{n}.example")
    assert len(sites._found) <= sites.MAX_HOSTS
