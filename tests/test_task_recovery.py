"""A task worker killed with kill -9 in the middle of a task does not lose it: two real
`db_worker` processes on their own SQLite file, one killed, the reaper, the other
finishes the task, and the task's result row exists once."""

import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 2  # TASK_WORKER_TIMEOUT of the processes, in seconds
DEADLINE = 30
TASK = "taskhealth.tests.slow_task.wait_for_release"

ENQUEUE = """
from django.core.management import call_command
for app in ("django_tasks_database", "taskhealth", "editions"):
    call_command("migrate", app, verbosity=0)
from taskhealth.tests.slow_task import wait_for_release
print(wait_for_release.enqueue(folder={folder!r}).id)
"""


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def poll(predicate, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


class Site:
    """The SQLite file the workers share, read the way an operator would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.path, timeout=20) as conn:
            return conn.execute(sql, params).fetchall()

    def task(self, task_id: str) -> dict:
        status, worker_ids, return_value = self.query(
            "SELECT status, worker_ids, return_value"
            " FROM django_tasks_database_dbtaskresult WHERE id = ?",
            task_id.replace("-", ""),
        )[0]
        return {
            "status": status,
            "worker_ids": json.loads(worker_ids),
            "return_value": json.loads(return_value) if return_value else None,
        }

    def heartbeat_age(self, worker_id: str) -> float:
        rows = self.query(
            "SELECT last_seen FROM taskhealth_workerheartbeat WHERE worker_id = ?",
            worker_id,
        )
        last_seen = datetime.datetime.fromisoformat(rows[0][0])
        if last_seen.tzinfo is None:
            last_seen = last_seen.replace(tzinfo=datetime.UTC)
        return (datetime.datetime.now(datetime.UTC) - last_seen).total_seconds()


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="huaxun-tasks-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "TASKS_BACKEND": "database",
        "TASK_WORKER_TIMEOUT": str(TIMEOUT),
        "REDIS_URL": "",
        "DEBUG": "false",
    }


@pytest.fixture
def start_worker(workdir: Path, env: dict[str, str]):
    processes: list[subprocess.Popen] = []

    def start(worker_id: str) -> subprocess.Popen:
        with (workdir / f"{worker_id}.log").open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--worker-id",
                    worker_id,
                    "--interval",
                    "0.2",
                    "--no-startup-delay",
                    "--no-reload",
                    "--skip-checks",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so that kill -9 takes it whole.
                start_new_session=True,
            )
        processes.append(process)
        return process

    try:
        yield start
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_task_of_a_killed_worker_finishes_on_another(workdir, env, start_worker):
    site = Site(workdir / "db.sqlite3")
    task_id = manage(
        env, "shell", "--no-imports", "-c", ENQUEUE.format(folder=str(workdir))
    ).strip()
    workers = {name: start_worker(name) for name in ("worker-a", "worker-b")}

    started = poll(lambda: sorted(workdir.glob("started-*")), "the task to start")
    first = started[0].name.removeprefix("started-")
    second = next(name for name in workers if name != first)
    pid = int(started[0].read_text())
    assert pid == workers[first].pid
    assert site.task(task_id)["status"] == "RUNNING"
    poll(
        lambda: site.query(
            "SELECT 1 FROM taskhealth_workerheartbeat"
            " WHERE worker_id = ? AND task_id = ?",
            first,
            task_id.replace("-", ""),
        ),
        "the heartbeat to name the task",
    )

    os.killpg(workers[first].pid, signal.SIGKILL)
    assert workers[first].wait(timeout=10) == -signal.SIGKILL
    # Nothing recovers it by itself: it stays RUNNING under the dead worker.
    assert site.task(task_id) == {
        "status": "RUNNING",
        "worker_ids": [first],
        "return_value": None,
    }

    poll(lambda: site.heartbeat_age(first) > TIMEOUT, "the heartbeat to go stale")
    poll(lambda: site.heartbeat_age(second) < TIMEOUT, "the other worker to be seen")
    assert "Put 1 task(s) back to READY" in manage(env, "reap_tasks")

    poll(lambda: (workdir / f"started-{second}").exists(), "the second attempt")
    (workdir / "release").touch()
    finished = poll(
        lambda: (task := site.task(task_id))["status"] != "RUNNING" and task,
        "the task to finish",
    )

    assert finished == {
        "status": "SUCCESSFUL",
        "worker_ids": [first, second],
        "return_value": second,
    }
    assert site.query(
        "SELECT COUNT(*) FROM editions_scheduledrun WHERE job = ?",
        f"recovery:{workdir.name}",
    ) == [(1,)]
