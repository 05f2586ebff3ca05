"""The demo portal in a database of its own for a benchmark: a SQLite file in a
temporary directory or a fresh PostgreSQL database, dropped again afterwards."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-server",
        default=POSTGRES_SERVER,
        help="where to create the throw-away database (default: %(default)s)",
    )


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command; its stdout, or exit with its output on failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(args)} exited with {result.returncode}\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def run_sql(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


@contextmanager
def demo_database(kind: str, postgres_server: str) -> Iterator[dict[str, str]]:
    """Build the demo portal (migrate, load_demo, collectstatic) in a fresh
    database; yields the environment that runs the project against it."""
    workdir = Path(tempfile.mkdtemp(prefix="huaxun-bench-"))
    name = f"huaxun_bench_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        # Each server process keeps its own cache: nothing measured here shares
        # state through it once rate limits are off.
        "REDIS_URL": "",
        "SERVE_MEDIA": "true",
        "LOG_LEVEL": "WARNING",
    }
    if kind == "postgres":
        env["DATABASE_URL"] = f"{postgres_server}/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    try:
        if kind == "postgres":
            run_sql(postgres_server, f'CREATE DATABASE "{name}"')
        manage(env, "migrate", "--no-input")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--no-input")
        yield env
    finally:
        if kind == "postgres":
            run_sql(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
