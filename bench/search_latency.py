"""Search latency for one-word, two-word and rare-word queries against a database
filled by `manage.py generate_articles`, with the index's size on disk.

    export DJANGO_SETTINGS_MODULE=bench.settings
    DATABASE_URL=sqlite:////tmp/bench10k.sqlite3 \\
        .venv/bin/python bench/search_latency.py [--reindex]

Each query runs the results page's work: the live articles matching it, newest
first, the first page of 20 and the number of hits, counted up to 10,001 (the page
shows "more than 10000" beyond).
"""

# A script whose output is its table.
# ruff: noqa: T201

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

# Run as a script, so the project root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from news.generate import Report  # noqa: E402
from news.generate.index import generated_articles, index_articles  # noqa: E402
from news.generate.text import RARE_WORDS, common_words  # noqa: E402
from news.models import ArticlePage  # noqa: E402
from search.bulk import delete_entries  # noqa: E402
from search.views import COUNT_LIMIT, PER_PAGE  # noqa: E402

# Tables of the search index, whichever backend made them.
INDEX_TABLE_PREFIXES = ("wagtailsearch_", "modelsearch_", "portal_search_")


def query_sets(count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    # Skip the words too common to be asked for (了, 我们…), keep everyday ones.
    common = common_words(600, skip=100)
    one = rng.sample(common, count)
    two = [" ".join(rng.sample(common, 2)) for _ in range(count)]
    rare = (RARE_WORDS * (count // len(RARE_WORDS) + 1))[:count]
    return {"one word": one, "two words": two, "rare word": rare}


def run_query(query: str) -> tuple[float, int]:
    """Seconds for the first page and the count of one search; the hits."""
    started = time.perf_counter()
    results = (
        ArticlePage.objects.live()
        .order_by("-published_at")
        .search(query, order_by_relevance=False)
    )
    list(results[:PER_PAGE])
    # Counted as the results page counts: up to COUNT_LIMIT + 1.
    hits = results[: COUNT_LIMIT + 1].count()
    return time.perf_counter() - started, hits


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def index_size() -> int | None:
    """Bytes on disk of the search index's tables and their indexes."""
    like = " OR ".join(["name LIKE %s"] * len(INDEX_TABLE_PREFIXES))
    patterns = [f"{prefix}%" for prefix in INDEX_TABLE_PREFIXES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'm') AND n.nspname = current_schema() "
                f"AND ({like.replace('name', 'c.relname')})",
                patterns,
            )
            return cursor.fetchone()[0]
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN (SELECT name "
                f"FROM sqlite_master WHERE {like.replace('name', 'tbl_name')})",
                patterns,
            )
        except django.db.Error:
            return None  # SQLite built without dbstat
        return cursor.fetchone()[0] or 0


def reindex() -> Report:
    """Index every generated article afresh, as the generator does."""
    delete_entries(generated_articles(None, None))
    return index_articles(Report())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20, help="per class")
    parser.add_argument("--rounds", type=int, default=1, help="timed runs per query")
    parser.add_argument("--warmup", type=int, default=3, help="untimed, per class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reindex",
        action="store_true",
        help="drop the index and index the generated articles again, timed",
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    articles = ArticlePage.objects.live().count()
    backend = settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]
    indexing = reindex() if args.reindex else None

    print(f"{articles:,} live articles, {connection.vendor}, backend {backend}")
    print(f"load average at start: {load:.1f}\n")
    print("| query class | queries × rounds | p50 ms | p95 ms | max ms | mean hits |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, queries in query_sets(args.queries, args.seed).items():
        for query in queries[: args.warmup]:  # the dictionary, caches, plans
            run_query(query)
        times, hits = [], []
        for _ in range(args.rounds):
            for query in queries:
                seconds, found = run_query(query)
                times.append(seconds * 1000)
                hits.append(found)
        print(
            f"| {name} | {len(queries)} × {args.rounds} "
            f"| {statistics.median(times):.1f} | {percentile(times, 0.95):.1f} "
            f"| {max(times):.1f} | {statistics.mean(hits):,.0f} |"
        )
    size = index_size()
    shown = "n/a (no dbstat)" if size is None else f"{size / 2**20:,.1f} MB"
    print(f"\nindex size: {shown}")
    if indexing:
        rate = Report.rate(indexing.indexed, indexing.index_seconds)
        print(
            f"indexing: {indexing.indexed:,} articles in "
            f"{indexing.index_seconds:.1f} s ({rate:.0f} articles/s)"
        )


if __name__ == "__main__":
    main()
