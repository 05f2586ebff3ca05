"""The demo portal served by granian in its own process, and Chromium to read it;
shared by the browser tests.

The demo is built in its own database (a fresh PostgreSQL database when the test run
uses PostgreSQL, else a SQLite file), its static files are collected, and granian
serves it as a separate process. Its e-mail is written to files that tests can read.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, sync_playwright

from huaxun.topology import app_server_command

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60

# Playwright's sync API keeps an event loop running on the main thread, which Django
# takes for an async context and then refuses ORM calls of the same test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- The demo portal, served by granian -----------------------------------------


def run_manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def postgres_connection_kwargs(database: dict) -> dict:
    kwargs = {
        "dbname": "postgres",
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


def postgres_url(database: dict, name: str) -> str:
    user = quote(str(database.get("USER") or ""), safe="")
    password = quote(str(database.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(database.get("HOST") or ""), safe="")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


def create_postgres_database(database: dict, name: str) -> None:
    import psycopg
    from psycopg import sql

    kwargs = postgres_connection_kwargs(database)
    with psycopg.connect(**kwargs, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(database: dict, name: str) -> None:
    import psycopg
    from psycopg import sql

    kwargs = postgres_connection_kwargs(database)
    with psycopg.connect(**kwargs, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_workdir() -> Iterator[Path]:
    workdir = Path(tempfile.mkdtemp(prefix="huaxun-browser-"))
    yield workdir
    shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class DemoSite:
    """A demo portal being served: its address, environment and working folder."""

    base_url: str
    env: dict[str, str]
    workdir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Run another manage.py command (a worker, a scheduler) beside the server,
        with the same environment, until the site stops."""
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve_demo(workdir: Path, **extra_env: str) -> Iterator[DemoSite]:
    """Build the demo in its own database and serve it with granian."""
    database = settings.DATABASES["default"]
    on_postgres = "postgresql" in database["ENGINE"]
    db_name = f"huaxun_browser_{os.getpid()}_{workdir.name[-8:].lower()}"
    port = free_port()
    env = {
        **os.environ,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        # The server keeps its own cache and sends its own media, whatever the
        # environment of the test run says.
        "REDIS_URL": "",
        "SERVE_MEDIA": "true",
        "EMAIL_URL": f"file://{workdir / 'mail'}",
        "SITE_BASE_URL": f"http://127.0.0.1:{port}",
        "TASKS_BACKEND": "immediate",
        # Hot lists show a view as soon as it is counted.
        "HOT_LIST_SECONDS": "0",
        **extra_env,
    }
    if on_postgres:
        create_postgres_database(database, db_name)
        env["DATABASE_URL"] = postgres_url(database, db_name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"

    site = DemoSite(base_url=f"http://127.0.0.1:{port}", env=env, workdir=workdir)
    try:
        run_manage(env, "migrate", "--no-input")
        run_manage(env, "load_demo")
        run_manage(env, "collectstatic", "--no-input")
        log_path = workdir / "granian.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                app_server_command(port),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        site.processes.append(server)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not answers_200(site.base_url + "/"):
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                pytest.fail(
                    f"granian did not answer 200 on {site.base_url}/ within "
                    f"{SERVER_START_TIMEOUT} s (exit code {server.returncode})\n"
                    f"--- server output ---\n{site.log('granian')}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield site
    finally:
        for process in reversed(site.processes):
            stop(process)
        if on_postgres:
            drop_postgres_database(database, db_name)


@pytest.fixture(scope="session")
def demo_site(demo_workdir: Path) -> Iterator[DemoSite]:
    with serve_demo(demo_workdir) as site:
        yield site


@pytest.fixture(scope="session")
def demo_server(demo_site: DemoSite) -> str:
    """The base URL of the demo portal served by granian in its own process."""
    return demo_site.base_url


@pytest.fixture(scope="session")
def demo_mailbox(demo_site: DemoSite) -> Path:
    """The folder where the demo server writes each e-mail it sends."""
    return demo_site.workdir / "mail"


# --- The browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it "
            "(install the distribution's chromium package; never `playwright "
            "install`).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, demo_server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=demo_server, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(os.environ.get("ARTIFACTS_DIR") or REPO / "artifacts" / "browser")
    path.mkdir(parents=True, exist_ok=True)
    return path
