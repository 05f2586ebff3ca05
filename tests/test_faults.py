"""Faults on the production topology under a steady load: an app server killed, Redis
stopped, PostgreSQL restarted, with readers and a commenter going through nginx.

The module builds the demo portal on a private PostgreSQL cluster and Redis (never the
machine's own), starts `huaxun.topology.Topology` on them, and runs the faults in
order on that one topology. It runs once per CI run, in the SQLite pass.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from huaxun.topology import NGINX, REPO, Topology
from tests.faults import (
    POST_ACTION_RE,
    POSTGRES_BIN_DIRS,
    Browser,
    Load,
    PostgresCluster,
    RedisServer,
    poll,
)

PASSWORD = "faults-reader-password"
# Long enough to see what the readers meet; short enough for the time budget.
WINDOW = 3.0
UNAVAILABLE_TITLE = "网站暂时无法访问"
# One process for all of it: each manage.py start costs seconds of imports.
BUILD = """
from django.core.management import call_command

from django_tasks_db.models import DBTaskResult

from accounts.models import User
from news.models import ArticlePage

call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", verbosity=0)
# The demo's queued background work (search index, related stories) is not what
# these tests are about; left queued, it would compete with the readers for CPU.
DBTaskResult.objects.all().delete()
User.objects.create_user(
    username="commenter", email="commenter@example.com",
    password={password!r}, email_confirmed=True,
)
print(ArticlePage.objects.live().order_by("-published_at").first().url)
"""


def missing_tools() -> list[str]:
    tools = [NGINX, shutil.which("redis-server") or "redis-server"]
    missing = [tool for tool in tools if not Path(tool).exists()]
    if not POSTGRES_BIN_DIRS:
        missing.append("/usr/lib/postgresql/*/bin")
    return missing


def may_run_postgres() -> bool:
    """initdb refuses root, so root runs it as `postgres`; anyone else must be it."""
    try:
        import pwd

        postgres = pwd.getpwnam("postgres").pw_uid
    except (ImportError, KeyError):
        return False
    return os.geteuid() in (0, postgres)


pytestmark = [
    pytest.mark.skipif(
        "postgresql" in settings.DATABASES["default"]["ENGINE"],
        reason="the fault tests build their own PostgreSQL cluster and Redis, so "
        "they run once, in the SQLite pass of the suite",
    ),
    pytest.mark.skipif(
        bool(missing_tools()), reason=f"not installed: {', '.join(missing_tools())}"
    ),
    pytest.mark.skipif(
        not may_run_postgres(),
        reason="starting a private PostgreSQL needs root (to run it as the "
        "postgres user) or the postgres user",
    ),
]


@dataclass
class Portal:
    topology: Topology
    postgres: PostgresCluster
    redis: RedisServer
    load: Load
    database_url: str


def build_demo(env: dict[str, str]) -> str:
    """The demo portal in the database `env` names, with a confirmed commenter;
    returns the path of the newest article."""
    static = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                BUILD.format(password=PASSWORD),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        _out, errors = static.communicate(timeout=120)
    if static.returncode != 0:
        pytest.fail(f"collectstatic failed:\n{errors.decode()}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(f"building the demo failed:\n{result.stderr}", pytrace=False)
    return result.stdout.strip().splitlines()[-1]


def signed_in_commenter(port: int, article: str) -> tuple[Browser, str, str]:
    """A reader signed in through nginx; its browser, the article's comment form
    action and the CSRF token to post with."""
    browser = Browser(port)
    login = browser.request("GET", "/accounts/login/")
    token = BeautifulSoup(login.body, "html.parser").find(
        "input", {"name": "csrfmiddlewaretoken"}
    )["value"]
    form = {"csrfmiddlewaretoken": token, "username": "commenter", "password": PASSWORD}
    answer = browser.request("POST", "/accounts/login/", form)
    assert answer.status == 302, f"log-in answered {answer.status}"
    page = browser.request("GET", article)
    action = POST_ACTION_RE.search(page.body)
    assert action, f"no comment form on {article} ({page.status})"
    token = BeautifulSoup(page.body, "html.parser").find(
        "input", {"name": "csrfmiddlewaretoken"}
    )["value"]
    return browser, action[1], token


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    root = Path(tempfile.mkdtemp(prefix="huaxun-faults-"))
    # The postgres user and nginx's workers read below it.
    os.chmod(root, 0o755)
    postgres = PostgresCluster(root / "postgres")
    redis = RedisServer(root / "redis.log")
    topology = load = None
    try:
        postgres.init()
        postgres.start()
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE huaxun_faults")
        redis.start()
        closed = "http://127.0.0.1:9/"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",  # rate limits off
            "DATABASE_URL": postgres.url("huaxun_faults"),
            "REDIS_URL": redis.url,
            "TASKS_BACKEND": "database",
            "MEDIA_ROOT": str(root / "media"),
            "STATIC_ROOT": str(root / "static"),
            "SERVE_MEDIA": "false",
            "EMAIL_URL": f"file://{root / 'mail'}",
            "LOG_LEVEL": "WARNING",
            # Background refreshes fail at once instead of reaching the internet.
            "OPEN_METEO_URL": closed,
            "BOM_URL": closed,
            "RBA_URL": closed,
            "ECB_URL": closed,
        }
        article = build_demo(env)
        topology = Topology(env=env, run_dir=root / "topology").start()
        commenter, post_path, token = signed_in_commenter(topology.port, article)
        load = Load(
            port=topology.port,
            # Two pages the caches hold, and one new URL each time that none does.
            read_paths=["/", article, "/?fresh={n}"],
            post_path=post_path,
            csrf_token=token,
            commenter=commenter,
        ).start()
        load.wait_past(time.monotonic())
        yield Portal(topology, postgres, redis, load, postgres.url("huaxun_faults"))
    finally:
        if load is not None:
            load.stop()
        if topology is not None:
            # Nothing to shut down gracefully in a throw-away topology.
            for name in list(topology.processes):
                topology.kill(name)
            topology.stop()
        redis.stop()
        postgres.remove()
        shutil.rmtree(root, ignore_errors=True)


def describe(answers) -> str:
    return str(
        Counter((answer.path.split("?")[0], answer.status) for answer in answers)
    )


def test_killed_app_server_is_routed_around(portal):
    topology, load = portal.topology, portal.load
    killed = time.monotonic()
    topology.kill("app0")
    try:
        load.wait_past(killed + WINDOW)
    finally:
        topology.start_app_server(0)
        topology.wait_until_up()

    window = [a for a in list(load.reads) if a.finished >= killed]
    window = [a for a in window if a.started < killed + WINDOW]
    failed = [a for a in window if not a.ok]
    assert len(failed) <= 3, describe(failed)
    # In-flight requests may fail; nginx sends every later one to the live server.
    late = [a for a in failed if a.started > killed + 1]
    assert not late, describe(late)
    assert sum(a.ok and a.started > killed + 1 for a in window) >= 10, describe(window)


def test_pages_are_served_while_redis_is_stopped(portal):
    load, redis = portal.load, portal.redis
    stopped = time.monotonic()
    redis.stop()
    try:
        load.wait_past(stopped + WINDOW)
    finally:
        redis.start()

    window = load.reads_between(stopped, stopped + WINDOW)
    assert all(a.ok for a in window), describe(window)
    # The URLs no cache holds were rendered from the database.
    fresh = [a for a in window if "fresh" in a.path]
    assert len(fresh) >= 3, describe(window)
    assert all("<title>" in a.body for a in fresh)


def test_postgres_restart_fails_fast_with_503_then_recovers(portal):
    load, postgres = portal.load, portal.postgres
    stopped = time.monotonic()
    postgres.stop()
    try:
        # Until a few readers have met the outage (or long enough that they should).
        poll(lambda: len(unavailable(load.reads_between(stopped, 1e12))) >= 3, 6)
    finally:
        postgres.start()
    started = time.monotonic()

    down = load.reads_between(stopped, started)
    # Cached pages are still served; everything else is the 503 page, never a 500.
    assert {a.status for a in down} <= {200, 503}, describe(down)
    refused = unavailable(down)
    assert refused, describe(down)
    for answer in refused:
        assert answer.seconds < 4, f"{answer.path} took {answer.seconds:.1f} s"
        assert int(answer.headers["retry-after"]) > 0
        page = BeautifulSoup(answer.body, "html.parser")
        assert page.html["lang"] == "zh-Hans"
        assert page.h1.get_text(strip=True) == UNAVAILABLE_TITLE
        assert "几秒钟后即可恢复" in page.p.get_text()

    # A page no cache holds is rendered again soon, without anyone restarting the
    # app servers: their connections are checked before use.
    reader = Browser(portal.topology.port)
    searches = iter(range(10_000))

    def search_answers() -> bool:
        path = f"/search/?q=%E6%82%89%E5%B0%BC&r={next(searches)}"
        return reader.request("GET", path).status == 200

    assert poll(search_answers, 10, interval=0.2), "no fresh page 10 s after restart"
    reader.close()


def unavailable(answers):
    return [answer for answer in answers if answer.status == 503]


def test_every_acknowledged_comment_is_stored(portal):
    load = portal.load
    load.stop()
    posted = load.posted()
    # The commenter kept posting through all three faults above.
    assert len(posted) >= 10, Counter(answer.status for answer, _body in load.posts)
    with psycopg.connect(portal.database_url) as connection:
        rows = connection.execute(
            "SELECT id, body FROM comments_comment WHERE id = ANY(%s)", [list(posted)]
        ).fetchall()
    assert dict(rows) == posted
