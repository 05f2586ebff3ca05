"""Read replicas: which connection each kind of request reads from.

A `replica1` alias mirrors the test database. The test case's transaction is open
on the primary's connection, so the replica's wrapper is given that same connection
(a real replica would see the rows once they are committed); queries are still
recorded per alias, which is what these tests look at.
"""

import json
import os
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from accounts.tests.factories import UserFactory
from comments.models import Comment, CommentSettings
from core.routers import PIN_COOKIE, reading_from
from news.models import ArticlePage
from news.tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]
REPLICA = "replica1"
SETTINGS = ("core_sitesettings", "comments_commentsettings")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def replica(db, settings):
    # Registered after the test case has opened its transaction on the primary, so
    # Django neither opens a second one on the replica (which on SQLite would lock
    # and on PostgreSQL would not see the test's rows) nor forbids the alias.
    primary = connections["default"]
    primary.ensure_connection()
    connections.settings[REPLICA] = {
        **primary.settings_dict,
        "TEST": {**primary.settings_dict["TEST"], "MIRROR": "default"},
    }
    shared = connections[REPLICA]
    shared.connection = primary.connection
    settings.DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]
    after_page_cache = settings.MIDDLEWARE.index("core.pagecache.PageCacheMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: after_page_cache + 1],
        "core.routers.ReplicaMiddleware",
        *settings.MIDDLEWARE[after_page_cache + 1 :],
    ]
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    try:
        yield shared
    finally:
        # Never close it: the connection belongs to the primary's wrapper.
        shared.connection = None
        del connections[REPLICA]
        del connections.settings[REPLICA]


class Queries:
    """The SQL each alias ran inside the block."""

    def __enter__(self):
        self._stack = ExitStack()
        self.on = {
            alias: self._stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in ("default", REPLICA)
        }
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        return [query["sql"] for query in self.on[alias].captured_queries]

    def selects(self, alias: str) -> list[str]:
        return [sql for sql in self.sql(alias) if sql.lstrip().startswith("SELECT")]

    def primary_beyond_settings(self) -> list[str]:
        # Wagtail reads a site setting with get_or_create(), which Django sends to
        # the write database: those two small reads stay on the primary.
        return [
            sql
            for sql in self.sql("default")
            if not sql.startswith(tuple(f'SELECT "{table}"' for table in SETTINGS))
        ]


@pytest.fixture
def article(channel):
    # The first page ever served creates the comment settings row (a write).
    CommentSettings.for_site(Site.objects.get(is_default_site=True))
    return make_article(channel, title="悉尼新建轻轨线路开通", slug="light-rail")


def title_of(response) -> str:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml").select_one("h1").get_text()


def test_an_anonymous_reader_reads_the_article_from_the_replica(client, article):
    with Queries() as queries:
        response = client.get(article.url)
    assert "悉尼新建轻轨线路开通" in title_of(response)
    assert queries.selects(REPLICA)
    assert queries.primary_beyond_settings() == []
    assert PIN_COOKIE not in response.cookies


def test_a_reader_who_posts_writes_on_the_primary_and_reads_it_back_there(
    client, article
):
    reader = UserFactory(nickname="袋鼠先生")
    client.force_login(reader)
    with Queries() as queries:
        response = client.post(
            f"/comments/article/{article.pk}/post/",
            {"body": "轻轨终于通了", "key": str(uuid.uuid4())},
        )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert any(
        "INSERT" in sql and "comments_comment" in sql for sql in queries.sql("default")
    )
    assert queries.sql(REPLICA) == []
    pin = response.cookies[PIN_COOKIE]
    assert int(pin["max-age"]) > 0 and pin["httponly"]

    # The redirect: the pinned reader finds the new comment, read from the primary.
    with Queries() as queries:
        page = client.get(article.url)
    soup = BeautifulSoup(page.content, "lxml")
    assert soup.select_one(f"#comment-{comment.pk} .comment-body").get_text() == (
        "轻轨终于通了"
    )
    assert queries.selects("default")
    assert queries.sql(REPLICA) == []

    # Once the pin has expired, the same signed-in reader reads from a replica.
    del client.cookies[PIN_COOKIE]
    with Queries() as queries:
        page = client.get(article.url)
    assert "轻轨终于通了" in page.content.decode()
    assert queries.selects(REPLICA)
    assert queries.primary_beyond_settings() == []


def test_a_post_that_writes_nothing_does_not_pin(client, article):
    response = client.post(
        f"/comments/article/{article.pk}/post/", {"body": "匿名", "key": "x"}
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert PIN_COOKIE not in response.cookies
    assert Comment.objects.count() == 0


def test_a_reader_with_the_pin_cookie_reads_from_the_primary(client, article):
    client.cookies[PIN_COOKIE] = "1"
    with Queries() as queries:
        response = client.get(article.url)
    assert "悉尼新建轻轨线路开通" in title_of(response)
    assert queries.selects("default")
    assert queries.sql(REPLICA) == []


def test_reads_inside_a_transaction_go_to_the_primary(article):
    with reading_from(REPLICA), Queries() as queries:
        outside = ArticlePage.objects.get(pk=article.pk)
    assert outside._state.db == REPLICA
    assert queries.selects(REPLICA) and queries.primary_beyond_settings() == []

    with reading_from(REPLICA), Queries() as queries, transaction.atomic():
        inside = ArticlePage.objects.get(pk=article.pk)
    assert inside._state.db == "default"
    assert queries.selects("default") and queries.sql(REPLICA) == []


def test_a_write_sends_the_rest_of_the_request_to_the_primary(article):
    with reading_from(REPLICA) as reads, Queries() as queries:
        ArticlePage.objects.filter(pk=article.pk).update(title="改过的标题")
        again = ArticlePage.objects.get(pk=article.pk)
    assert again.title == "改过的标题"
    assert again._state.db == "default"
    assert reads.wrote
    assert queries.sql(REPLICA) == []


def test_outside_a_request_everything_reads_from_the_primary(article):
    with Queries() as queries:
        assert ArticlePage.objects.get(pk=article.pk).title == "悉尼新建轻轨线路开通"
    assert queries.selects("default") and queries.sql(REPLICA) == []


def test_the_admin_reads_from_the_primary(client, article):
    editor = UserFactory(nickname="编辑", is_staff=True, is_superuser=True)
    client.force_login(editor)
    with Queries() as queries:
        response = client.get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "lxml")
    assert soup.select_one("input[name=title]")["value"] == "悉尼新建轻轨线路开通"
    assert queries.selects("default")
    assert queries.sql(REPLICA) == []


def test_pages_the_page_cache_stores_are_rendered_from_the_primary(
    client, article, settings
):
    # A copy rendered from a lagging replica right after a purge would bring the
    # old page back for everyone; the pin cookie neither splits nor bypasses it.
    settings.PAGE_CACHE_SECONDS = 600
    with Queries() as queries:
        miss = client.get(article.url)
    assert miss["X-Page-Cache"] == "miss"
    assert queries.selects("default") and queries.sql(REPLICA) == []

    client.cookies[PIN_COOKIE] = "1"
    with Queries() as queries:
        hit = client.get(article.url)
    assert hit["X-Page-Cache"] == "hit"
    assert hit.content == miss.content
    assert queries.sql("default") == [] and queries.sql(REPLICA) == []

    # A parameter the page cache does not know bypasses it, and reads the replica.
    del client.cookies[PIN_COOKIE]
    with Queries() as queries:
        bypass = client.get(article.url, {"ref": "newsletter"})
    assert "X-Page-Cache" not in bypass
    assert "悉尼新建轻轨线路开通" in title_of(bypass)
    assert queries.selects(REPLICA) and queries.primary_beyond_settings() == []


def settings_with(replica_urls: str) -> dict:
    code = (
        "import json, huaxun.settings as s; print(json.dumps({"
        "'databases': s.DATABASES, 'routers': getattr(s, 'DATABASE_ROUTERS', []),"
        "'middleware': s.MIDDLEWARE}, default=str))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://app@primary:5432/huaxun",
        "DATABASE_REPLICA_URLS": replica_urls,
        "DATABASE_CONNECT_TIMEOUT": "4",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(out.stdout)


def test_replica_urls_become_aliases_configured_like_the_primary():
    loaded = settings_with(
        "postgres://ro@replica-a:5432/huaxun, postgres://ro@replica-b/huaxun"
    )
    databases = loaded["databases"]
    assert sorted(databases) == ["default", "replica1", "replica2"]
    assert databases["replica1"]["HOST"] == "replica-a"
    assert databases["replica2"]["HOST"] == "replica-b"
    for alias in ("replica1", "replica2"):
        assert databases[alias]["OPTIONS"] == {"connect_timeout": 4}
        assert databases[alias]["CONN_MAX_AGE"] == 60
        assert databases[alias]["CONN_HEALTH_CHECKS"] is True
        assert databases[alias]["TEST"] == {"MIRROR": "default"}
    assert loaded["routers"] == ["core.routers.ReplicaRouter"]
    middleware = loaded["middleware"]
    assert middleware.index("core.routers.ReplicaMiddleware") == (
        middleware.index("core.pagecache.PageCacheMiddleware") + 1
    )

    alone = settings_with("")
    assert list(alone["databases"]) == ["default"]
    assert alone["routers"] == []
    assert "core.routers.ReplicaMiddleware" not in alone["middleware"]
