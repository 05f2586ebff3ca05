"""Figure 3: the uncached article page (50 comments) and the front page on a small
and a large database, the large within 1.2× of the small.

Both databases are filled beforehand (generating a million articles takes longer
than a benchmark should), each with the demo and `generate_articles`:

    .venv/bin/python bench/scale.py postgres://…/huaxun_bench_1k \\
        postgres://…/huaxun_bench_1m [--seconds 10]

`make bench` runs it too when BENCH_SMALL_DATABASE_URL and BENCH_LARGE_DATABASE_URL
are set. Each database is migrated first and gets one copy of its newest article
with 50 comments (bench/comment_page.py), kept for later runs.
"""

# A script whose output is its table.
# ruff: noqa: T201

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.demo_site import manage

REPO = Path(__file__).resolve().parents[1]
COMMENTS = 50
TARGET = 1.2


def article_path() -> str:
    """In a child process set up on one database: the 50-comment article's path."""
    import django

    django.setup()
    from accounts.models import User
    from bench.comment_page import AUTHORS, make_article
    from news.models import ArticlePage

    found = ArticlePage.objects.live().filter(slug=f"bench-{COMMENTS}-comments").first()
    if found is None:
        authors = [
            User.objects.get_or_create(
                username=f"author{n}",
                defaults={"nickname": f"读者{n:03d}", "password": "!"},
            )[0]
            for n in range(AUTHORS)
        ]
        found, _replies = make_article(COMMENTS, authors)
    return found.url


def environment(url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PAGE_CACHE_SECONDS": "0",
        "PAGE_CACHE_DIR": str(workdir / "page-cache"),
        "STATIC_ROOT": str(workdir / "static"),
    }


def measure(url: str, seconds: int, workdir: Path) -> dict[str, float]:
    from bench.run import app_server, wrk

    env = environment(url, workdir)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    path = (
        subprocess.run(
            [sys.executable, __file__, "--article-path"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    figures = {}
    with app_server(env, 2, workdir / "scale-app.log") as server:
        for name, target in (("article", path), ("front", "/")):
            wrk(server + target, 1, 2)  # warm the workers
            figures[f"{name} p50"] = wrk(server + target, 1, seconds)["p50"]
            figures[f"{name} rps"] = wrk(server + target, 32, seconds)["rps"]
    return figures


def scale_rows(small: str, large: str, seconds: int, workdir: Path) -> list[tuple]:
    """`make bench` rows: per page, p50 at one connection on both databases."""
    figures = {
        "small": measure(small, seconds, workdir),
        "large": measure(large, seconds, workdir),
    }
    rows = []
    for name, label in (("article", "article, 50 comments"), ("front", "front page")):
        small_p50 = figures["small"][f"{name} p50"]
        large_p50 = figures["large"][f"{name} p50"]
        ratio = large_p50 / small_p50
        rows.append(
            (
                f"3 uncached {label}, small vs large database",
                f"p50 {small_p50:.1f} ms vs {large_p50:.1f} ms at 1 conn "
                f"({figures['small'][f'{name} rps']:,.0f} vs "
                f"{figures['large'][f'{name} rps']:,.0f} req/s at 32)",
                f"large ≤ {TARGET}× small (here {ratio:.2f}×)",
                ratio <= TARGET,
            )
        )
    return rows


def main() -> None:
    if sys.argv[1:] == ["--article-path"]:
        print(article_path())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small", help="database URL of the small portal")
    parser.add_argument("large", help="database URL of the large portal")
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    args = parser.parse_args()
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="huaxun-bench-scale-"))
    print("| figure | measured | target | met |\n|---|---|---|---|")
    for name, measured, target, ok in scale_rows(
        args.small, args.large, args.seconds, workdir
    ):
        print(f"| {name} | {measured} | {target} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
