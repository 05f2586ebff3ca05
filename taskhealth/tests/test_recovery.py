"""The reaper puts back the tasks of dead workers only, and the heartbeat says which
worker runs which task."""

import datetime
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from editions import tasks as scheduler
from taskhealth.models import WorkerHeartbeat
from taskhealth.recovery import KEEP_DEAD_WORKERS, Heartbeat, reap_tasks

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _timeout(settings):
    settings.TASK_WORKER_TIMEOUT = 30


def task_row(status=TaskResultStatus.RUNNING, worker="w1", started=NOW, **fields):
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="discovery.tasks.flush_view_counts",
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=[worker] if worker else [],
        started_at=started,
        **fields,
    )


def seen(worker: str, at: datetime.datetime) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(worker_id=worker, started_at=at, last_seen=at)


def test_a_task_whose_worker_stopped_beating_goes_back_to_ready():
    task = task_row(worker="dead", started=NOW - datetime.timedelta(minutes=5))
    seen("dead", NOW - datetime.timedelta(seconds=31))

    assert reap_tasks(NOW) == [str(task.pk)]

    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert task.started_at is None
    # The attempt stays on record; the next worker appends its own id.
    assert task.worker_ids == ["dead"]
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()


def test_a_task_whose_worker_beats_keeps_running():
    task = task_row(worker="alive", started=NOW - datetime.timedelta(minutes=5))
    seen("alive", NOW - datetime.timedelta(seconds=29))

    assert reap_tasks(NOW) == []

    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert task.started_at == NOW - datetime.timedelta(minutes=5)


def test_only_the_last_worker_of_a_task_counts():
    # Run once by a worker that died, now claimed by a live one.
    task = task_row(worker="alive", started=NOW - datetime.timedelta(minutes=1))
    task.worker_ids = ["dead", "alive"]
    task.save(update_fields=["worker_ids"])
    seen("dead", NOW - datetime.timedelta(minutes=10))
    seen("alive", NOW)

    assert reap_tasks(NOW) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_worker_never_seen_is_judged_by_when_it_claimed_the_task():
    old = task_row(worker="gone", started=NOW - datetime.timedelta(seconds=31))
    new = task_row(worker="starting", started=NOW - datetime.timedelta(seconds=5))

    assert reap_tasks(NOW) == [str(old.pk)]

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == TaskResultStatus.READY
    assert new.status == TaskResultStatus.RUNNING


def test_finished_and_waiting_tasks_are_untouched():
    long_ago = NOW - datetime.timedelta(hours=1)
    seen("dead", long_ago)
    rows = {
        status: task_row(status=status, worker="dead", started=long_ago)
        for status in (
            TaskResultStatus.SUCCESSFUL,
            TaskResultStatus.FAILED,
            TaskResultStatus.READY,
        )
    }

    assert reap_tasks(NOW) == []

    for status, row in rows.items():
        row.refresh_from_db()
        assert row.status == status
        assert row.started_at == long_ago


def test_a_task_is_put_back_once_however_many_reapers_run():
    task = task_row(worker="dead", started=NOW - datetime.timedelta(minutes=5))

    assert reap_tasks(NOW) == [str(task.pk)]
    assert reap_tasks(NOW) == []


def test_heartbeats_of_workers_gone_for_a_day_are_deleted():
    seen("yesterday", NOW - KEEP_DEAD_WORKERS - datetime.timedelta(seconds=1))
    seen("an hour ago", NOW - datetime.timedelta(hours=1))

    reap_tasks(NOW)

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == [
        "an hour ago"
    ]


def test_the_scheduler_reaps_on_every_tick():
    now = timezone.now()
    task = task_row(worker="dead", started=now - datetime.timedelta(minutes=5))

    scheduler.run_once(now)

    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY


def test_reap_tasks_command_reports_what_it_put_back(capsys):
    task = task_row(worker="dead", started=timezone.now() - datetime.timedelta(hours=1))

    call_command("reap_tasks")

    out = capsys.readouterr().out
    assert f"Put 1 task(s) back to READY (workers not seen for 30 s): {task.pk}" in out
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY


def test_the_heartbeat_records_the_worker_and_its_task():
    heartbeat = Heartbeat("w-test")
    heartbeat.beat()
    row = WorkerHeartbeat.objects.get(worker_id="w-test")
    assert row.task_id is None
    assert row.pid is not None

    task_id = uuid.uuid4()
    started = type("Result", (), {"id": str(task_id), "worker_ids": ["w-test"]})
    heartbeat._task_started(sender=None, task_result=started)
    heartbeat.beat()
    row.refresh_from_db()
    assert row.task_id == task_id
    assert row.last_seen >= row.started_at

    heartbeat._task_finished(sender=None, task_result=started)
    heartbeat.beat()
    row.refresh_from_db()
    assert row.task_id is None
