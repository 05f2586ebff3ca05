"""Queries and time to render the first page of comments of articles with 10, 100
and 10,000 comments, and the deepest keyset page of the larger ones.

    .venv/bin/python bench/comment_page.py --database sqlite
    .venv/bin/python bench/comment_page.py --database postgres
"""

# A script whose output is its table.
# ruff: noqa: T201

import argparse
import os
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

# Run as a script, so the project root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.demo_site import add_database_arguments, demo_database

AUTHORS = 100
# Every fifth top-level comment has replies, 1, 2 or 5 in turn: some threads show
# all their replies, some only the first three and a "show all" link.
REPLY_EVERY = 5
REPLY_COUNTS = (1, 2, 5)
NEXT_RE = re.compile(r"after=([0-9.]+)")
HTMX = {"HX-Request": "true"}


def replies_of(index: int) -> int:
    if index % REPLY_EVERY:
        return 0
    return REPLY_COUNTS[(index // REPLY_EVERY) % len(REPLY_COUNTS)]


def make_authors() -> list:
    from accounts.models import User

    return User.objects.bulk_create(
        User(username=f"author{n}", nickname=f"读者{n:03d}", password="!")
        for n in range(AUTHORS)
    )


def make_article(size: int, authors: list):
    """A copy of the newest demo article holding `size` top-level comments and
    their replies, with the counters the site keeps in step set to match."""
    from django.db import connection
    from django.utils import timezone

    from comments.models import Comment
    from news.models import ArticlePage

    now = timezone.now()
    newest = ArticlePage.objects.live().order_by("-published_at").first()
    article = newest.copy(
        update_attrs={
            "slug": f"bench-{size}-comments",
            "title": f"{newest.title}({size:,}条评论)",
            "published_at": now,
        },
        keep_live=True,
    ).specific
    threads = Comment.objects.bulk_create(
        (
            Comment(
                article=article,
                user=authors[index % AUTHORS],
                body=f"第{index}条评论：看了这篇报道，想说说我在本地的经历。" * 2,
                created_at=now - timedelta(minutes=size - index),
                # 0-46 by the index modulo 47, prime to REPLY_EVERY, so every
                # "hot" page mixes threads with and without replies too.
                like_count=index * 31 % 47,
                reply_count=replies_of(index),
            )
            for index in range(size)
        ),
        batch_size=1000,
    )
    replies = Comment.objects.bulk_create(
        (
            Comment(
                article=article,
                user=authors[(index + n + 1) % AUTHORS],
                parent=thread,
                reply_to=thread,
                reply_to_user=thread.user,
                body=f"回复第{index}条评论：同意，补充一点。",
                created_at=thread.created_at + timedelta(seconds=n + 1),
            )
            for index, thread in enumerate(threads)
            for n in range(thread.reply_count)
        ),
        batch_size=1000,
    )
    ArticlePage.objects.filter(pk=article.pk).update(
        comment_count=len(threads) + len(replies)
    )
    if connection.vendor == "postgresql":
        # Autovacuum would analyse the new rows within a minute; a benchmark taken
        # at once would otherwise plan without statistics. SQLite has no such
        # thing, and nothing in the project runs ANALYZE there.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    article.refresh_from_db()
    return article, len(replies)


def count_queries(client, path: str, headers: dict) -> int:
    """Queries of one render, after a few to warm up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _warm_up in range(5):
        client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code}")
    return len(captured)


class SqlTimer:
    """Adds up the time spent executing queries (a connection execute_wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began


def render_times(client, views: list[tuple], runs: int) -> list[list[tuple]]:
    """`runs` times of each view, (total ms, ms in SQL) each, taken in turns so
    that the load of a shared machine falls on every view alike."""
    from django.db import connection

    times: list[list[tuple]] = [[] for _view in views]
    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        for _run in range(runs):
            for index, (_name, path, headers) in enumerate(views):
                timer.seconds = 0.0
                began = time.perf_counter()
                client.get(path, headers=headers)
                total = time.perf_counter() - began
                times[index].append((total * 1000, timer.seconds * 1000))
    return times


def last_page(client, article_id: int, order: str) -> tuple[str, int]:
    """Follow the "load more" links to the end; the last page's path and number."""
    path = f"/comments/article/{article_id}/?order={order}"
    number = 1
    while True:
        html = client.get(path, headers=HTMX).content.decode()
        found = NEXT_RE.search(html)
        if found is None:
            return path, number
        path = f"/comments/article/{article_id}/?order={order}&after={found[1]}"
        number += 1


def views_of(client, sizes: list[int]) -> list[tuple[str, str, dict]]:
    """Build an article for each size; (table label, path, headers) of each view."""
    from comments.views import PAGE_SIZE

    authors = make_authors()
    views = []
    for size in sizes:
        article, replies = make_article(size, authors)
        label = f"{size:,} (+{replies:,} replies)"
        fragment = f"/comments/article/{article.pk}/"
        views += [
            (f"{label} | article page", article.url, {}),
            (f"{label} | list ?order=new", f"{fragment}?order=new", HTMX),
            (f"{label} | list ?order=hot", f"{fragment}?order=hot", HTMX),
        ]
        if size > PAGE_SIZE:
            for order in ("new", "hot"):
                path, number = last_page(client, article.pk, order)
                name = f"{label} | last page ({number}) ?order={order}"
                views.append((name, path, HTMX))
    return views


def run(args: argparse.Namespace) -> list[str]:
    """Build the site and the articles, render them; the table rows."""
    with demo_database(args.database, args.postgres_server) as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        client = Client()
        try:
            views = views_of(client, args.sizes)
            queries = [
                count_queries(client, path, headers) for _n, path, headers in views
            ]
            times = render_times(client, views, args.runs)
        finally:
            connections.close_all()
    rows = []
    for (name, _path, _headers), count, samples in zip(
        views, queries, times, strict=True
    ):
        totals = sorted(total for total, _sql in samples)
        p95 = totals[max(0, round(0.95 * len(totals)) - 1)]
        sql = statistics.median(sql for _total, sql in samples)
        rows.append(
            f"| {name} | {count} | {sql:.1f} | {statistics.median(totals):.1f} "
            f"| {p95:.1f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10, 100, 10_000],
        help="top-level comments of each article (default: %(default)s)",
    )
    parser.add_argument("--runs", type=int, default=100, help="renders per view")
    args = parser.parse_args()
    # Of the whole machine, shared with others: figures drift with it.
    load = os.getloadavg()[0]
    rows = run(args)
    print(
        f"{args.database}, {args.runs} renders of each view; load average when "
        f"the run started: {load:.1f}\n"
    )
    print("| comments | view | queries | SQL ms (median) | median ms | p95 ms |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
