"""`make bench`: issue 7's speed figures beside their targets, in one table.

Builds the demo portal in a throw-away database, adds an article with 50 comments,
then measures with wrk on loopback, every comparison taken in the same run:

1a. the cached article page through nginx in front of two app servers, beside nginx
    sending the same bytes from a file;
1b. the cached article page from one app server (granian, no nginx), beside a
    minimal Django view returning the same bytes from memory under the same server;
2.  the uncached article page (50 comments) and front page: requests/s at 32
    connections, p50/p99 at 1 connection, and queries per request;
4.  the resident size of one app worker after 10,000 requests.

3.  with BENCH_SMALL_DATABASE_URL and BENCH_LARGE_DATABASE_URL set (two portals
    filled by `generate_articles`, 1,000 and 1,000,000 articles): the uncached
    pages on both (bench/scale.py).

    .venv/bin/python bench/run.py [--database sqlite|postgres] [--seconds 10]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.comment_page import make_article, make_authors
from bench.demo_site import add_database_arguments, demo_database
from huaxun.topology import Topology, answers, app_server_command, free_port

REPO = Path(__file__).resolve().parents[1]
WORDPRESS_RPS = 46  # shared/reference/performance-anchors.md, same machine kind
WORDPRESS_P50_MS = 43
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    threads = min(2, connections)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = {"rps": float(RPS.search(result.stdout)[1])}
    for share, value, unit in LATENCY.findall(result.stdout):
        figures[f"p{share}"] = float(value) * UNITS[unit]
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        figures["errors"] = 1.0
    return figures


@contextmanager
def app_server(
    env: dict[str, str], workers: int, log: Path, blocking_threads: int = 1
) -> Iterator[str]:
    """granian serving the site in a process of its own; yields its URL."""
    port = free_port()
    command = app_server_command(port, workers, blocking_threads)
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(url + "/"):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"granian did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def worker_pids(server_pid: int) -> list[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children")
    if not children.exists():
        return []
    return [int(pid) for pid in children.read_text().split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def prepare(env: dict[str, str]) -> tuple[str, int, dict[str, int]]:
    """The 50-comment article's path and id, and queries per uncached request."""
    # Counted without the page cache: every request renders.
    os.environ.update({**env, "PAGE_CACHE_SECONDS": "0"})
    import django

    django.setup()
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    article, _replies = make_article(50, make_authors())
    client = Client()
    queries = {}
    for name, path in (("article", article.url), ("front", "/")):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        queries[name] = len(captured)
    connections.close_all()
    return article.url, article.pk, queries


def run(args) -> list[tuple[str, str, str, bool]]:
    rows = []
    seconds = args.seconds
    with demo_database(args.database, args.postgres_server) as env:
        workdir = Path(tempfile.mkdtemp(prefix="huaxun-bench-run-"))
        env = {**env, "PAGE_CACHE_DIR": str(workdir / "page-cache")}
        path, _pk, queries = prepare(env)

        # 1b and 2: one app server, 2 workers, no nginx.
        bench_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        with app_server(bench_env, 2, workdir / "app.log") as url:
            (workdir / "page.html").write_bytes(fetch(url + path))
        # The same server again, now also answering /bench/bytes/ with that page.
        served_env = {**bench_env, "BENCH_BYTES_FILE": str(workdir / "page.html")}
        with app_server(served_env, 2, workdir / "app-cached.log") as url:
            fetch(url + path)
            cached = wrk(url + path, 32, seconds)
            minimal = wrk(url + "/bench/bytes/", 32, seconds)
        share = cached["rps"] / minimal["rps"]
        rows.append(
            (
                "1b cached article, one app server",
                f"{cached['rps']:,.0f} req/s (minimal view {minimal['rps']:,.0f}), "
                f"p50 {cached['p50']:.2f} ms, p99 {cached['p99']:.2f} ms",
                "≥ 75 % of the minimal view",
                share >= 0.75,
            )
        )
        rows[-1] = (*rows[-1][:2], f"{rows[-1][2]} (here {share:.0%})", rows[-1][3])

        uncached_env = {**served_env, "PAGE_CACHE_SECONDS": "0"}
        with app_server(uncached_env, 2, workdir / "app-uncached.log") as url:
            for name, target in (("article", path), ("front", "/")):
                many = wrk(url + target, 32, seconds)
                one = wrk(url + target, 1, seconds)
                label = "article, 50 comments" if name == "article" else "front page"
                if name == "article":
                    ok = one["p50"] < 15 and many["rps"] >= 5 * WORDPRESS_RPS
                    goal = f"p50 < 15 ms; ≥ {5 * WORDPRESS_RPS} req/s (5× WordPress)"
                else:
                    ok, goal = True, "(no target; for the record)"
                rows.append(
                    (
                        f"2 uncached {label}",
                        f"{many['rps']:,.0f} req/s at 32 conns, p99 "
                        f"{many['p99']:.1f} ms; p50 {one['p50']:.1f} ms at 1 conn; "
                        f"{queries[name]} queries",
                        goal,
                        ok,
                    )
                )

        # 4: one worker's resident size after 10,000 requests (uncached pages).
        with app_server(uncached_env, 1, workdir / "app-memory.log") as url:
            log = (workdir / "app-memory.log").read_text()
            server = int(re.search(r"main PID: (\d+)", log)[1])
            started = time.monotonic()
            done = 0
            while done < 10_000 and time.monotonic() - started < 600:
                result = wrk(url + path, 4, 5)
                done += int(result["rps"] * 5)
            pids = worker_pids(server)
            rss = max((rss_mb(pid) for pid in pids), default=0.0)
        rows.append(
            (
                "4 app worker memory",
                f"{rss:.0f} MB resident after {done:,} requests",
                "< 200 MB",
                0 < rss < 200,
            )
        )

        # 1a: nginx in front of two app servers, beside nginx sending the file.
        static_port = free_port()
        static_server = (
            f"    server {{\n        listen 127.0.0.1:{static_port};\n"
            f"        location = /page.html {{ root {workdir}; }}\n    }}\n"
        )
        os.chmod(workdir, 0o755)
        topology = Topology(
            env=served_env,
            run_dir=workdir / "topology",
            workers=0,
            extra_nginx_servers=static_server,
        )
        topology.spawn = _no_scheduler(topology.spawn)
        with topology:
            fetch(topology.url + path)
            edge = wrk(topology.url + path, 32, seconds)
            static = wrk(f"http://127.0.0.1:{static_port}/page.html", 32, seconds)
        share = edge["rps"] / static["rps"]
        rows.insert(
            0,
            (
                "1a cached article, nginx + 2 app servers",
                f"{edge['rps']:,.0f} req/s (nginx static file {static['rps']:,.0f}), "
                f"p50 {edge['p50']:.2f} ms, p99 {edge['p99']:.2f} ms",
                f"≥ 80 % of nginx static (here {share:.0%})",
                share >= 0.8,
            ),
        )
    return rows


def _no_scheduler(spawn):
    """The benchmark needs no scheduler polling sources in the background."""

    def only_servers(name, command):
        if name == "scheduler":
            return None
        return spawn(name, command)

    return only_servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    args = parser.parse_args()
    rows = run(args)
    small = os.environ.get("BENCH_SMALL_DATABASE_URL")
    large = os.environ.get("BENCH_LARGE_DATABASE_URL")
    scale = bool(small and large)
    if scale:
        from bench.scale import scale_rows

        workdir = Path(tempfile.mkdtemp(prefix="huaxun-bench-scale-"))
        rows += scale_rows(small, large, args.seconds, workdir)
    load = os.getloadavg()[0]
    sys.stdout.write(
        f"\nhuaxun bench, {args.database}, {os.cpu_count()} cores, "
        f"load {load:.1f}, {time.strftime('%Y-%m-%d %H:%M')}\n\n"
        "| figure | measured | target | met |\n|---|---|---|---|\n"
    )
    for name, measured, target, ok in rows:
        met = "yes" if ok else "NO"
        sys.stdout.write(f"| {name} | {measured} | {target} | {met} |\n")
    if not scale:
        sys.stdout.write(
            "| 3 small vs large database | not measured: set "
            "BENCH_SMALL_DATABASE_URL and BENCH_LARGE_DATABASE_URL "
            "(docs/benchmarks.md) | large within 1.2× of small | — |\n"
        )


if __name__ == "__main__":
    main()
