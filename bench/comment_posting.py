"""Latency of posting a comment while 50 readers post at once (by default), against
the demo portal served by granian in a process of its own, on SQLite or PostgreSQL.

    .venv/bin/python bench/comment_posting.py --database sqlite
    .venv/bin/python bench/comment_posting.py --database postgres
"""

# A script whose output is its table.
# ruff: noqa: T201

import argparse
import http.client
import os
import re
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Run as a script, so the project root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.demo_site import add_database_arguments, demo_database, manage
from bench.run import app_server

PASSWORD = "bench-reader-password"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_ACTION_RE = re.compile(r'action="/comments/article/(\d+)/post/"')
# Creates the confirmed readers and prints the URL of the newest article.
SETUP_READERS = """
from accounts.models import User
from news.models import ArticlePage

for n in range({readers}):
    User.objects.create_user(
        username=f"reader{{n}}",
        email=f"reader{{n}}@example.com",
        password={password!r},
        email_confirmed=True,
    )
print(ArticlePage.objects.live().order_by("-published_at").first().url)
"""


@dataclass
class Reply:
    status: int
    location: str
    text: str


class Reader:
    """One reader's keep-alive connection to the server, with its cookies."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Reply(response.status, response.getheader("Location", ""), text)

    def log_in(self, username: str) -> None:
        page = self.request("GET", "/accounts/login/")
        form = {
            "csrfmiddlewaretoken": csrf_token(page.text),
            "username": username,
            "password": PASSWORD,
        }
        reply = self.request("POST", "/accounts/login/", form)
        if reply.status != 302:
            sys.exit(f"logging in {username} answered {reply.status}, not 302")

    def close(self) -> None:
        self.connection.close()


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if match is None:
        sys.exit("no CSRF token in the page")
    return match.group(1)


def post_comments(
    reader: Reader, article_id: int, token: str, count: int, start: threading.Barrier
) -> list[tuple[float, str]]:
    """Post `count` comments one after another; (latency in s, outcome) for each:
    "posted" for a redirect to the new comment, else the status code."""
    path = f"/comments/article/{article_id}/post/"
    results = []
    start.wait()
    for n in range(count):
        form = {
            "csrfmiddlewaretoken": token,
            "body": f"基准测试评论 {n}：{uuid.uuid4().hex[:8]}",
            "key": str(uuid.uuid4()),
        }
        began = time.perf_counter()
        reply = reader.request("POST", path, form)
        latency = time.perf_counter() - began
        posted = reply.status == 302 and "#comment-" in reply.location
        results.append((latency, "posted" if posted else str(reply.status)))
    return results


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(share * len(sorted_values)))
    return sorted_values[rank - 1]


def run(args: argparse.Namespace) -> str:
    """Build the site, post the comments and return the table row."""
    with demo_database(args.database, args.postgres_server) as env:
        setup = SETUP_READERS.format(readers=args.readers, password=PASSWORD)
        article_url = manage(env, "shell", "-c", setup).strip().splitlines()[-1]
        log = Path(env["MEDIA_ROOT"]).parent / "granian.log"
        with app_server(env, args.workers, log, args.blocking_threads) as url:
            port = urlsplit(url).port
            readers = [Reader(port) for _ in range(args.readers)]
            names = [f"reader{n}" for n in range(args.readers)]
            with ThreadPoolExecutor(max_workers=args.readers) as pool:
                list(pool.map(Reader.log_in, readers, names))
                pages = list(pool.map(lambda r: r.request("GET", article_url), readers))
                match = POST_ACTION_RE.search(pages[0].text)
                if match is None:
                    sys.exit(f"no comment form on {article_url}: comments closed?")
                article_id = int(match.group(1))
                start = threading.Barrier(args.readers + 1, timeout=120)
                futures = [
                    pool.submit(
                        post_comments,
                        reader,
                        article_id,
                        csrf_token(page.text),
                        args.comments,
                        start,
                    )
                    for reader, page in zip(readers, pages, strict=True)
                ]
                start.wait()
                began = time.perf_counter()
                results = [result for future in futures for result in future.result()]
                elapsed = time.perf_counter() - began
            for reader in readers:
                reader.close()
    latencies = sorted(latency * 1000 for latency, _outcome in results)
    outcomes = Counter(outcome for _latency, outcome in results)
    errors = len(results) - outcomes["posted"]
    if errors:
        print(f"outcomes: {dict(outcomes)}", file=sys.stderr)
    return (
        f"| {args.database} | {args.readers} × {args.comments} | {len(results)} "
        f"| {errors} | {len(results) / elapsed:.0f} "
        f"| {percentile(latencies, 0.50):.0f} | {percentile(latencies, 0.95):.0f} "
        f"| {percentile(latencies, 0.99):.0f} | {latencies[-1]:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--readers", type=int, default=50, help="concurrent posters")
    parser.add_argument("--comments", type=int, default=10, help="posts per reader")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocking-threads", type=int, default=1)
    args = parser.parse_args()
    # Of the whole machine, shared with others: figures drift with it.
    load = os.getloadavg()[0]
    row = run(args)
    print(f"load average when the run started: {load:.1f}\n")
    print(
        "| database | readers × posts | requests | errors | posts/s "
        "| p50 ms | p95 ms | p99 ms | max ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row)


if __name__ == "__main__":
    main()
