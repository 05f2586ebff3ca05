"""Running again the tasks of a worker that died: each `db_worker` beats a heartbeat,
and the reaper puts a RUNNING task whose worker has not been seen for
TASK_WORKER_TIMEOUT seconds back to READY, for another worker to take.

A task may therefore run more than once, and a task killed half-way runs again from
its start: every task must be idempotent (an upsert or a unique key, not a blind
insert; a guard before a side effect that cannot be undone, such as an e-mail).
"""

import datetime
import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus, task_finished, task_started
from django_tasks_db.models import DBTaskResult

from taskhealth.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers gone this long are deleted; younger ones show which worker died.
KEEP_DEAD_WORKERS = datetime.timedelta(days=1)


def heartbeat_seconds() -> float:
    """How often a worker beats: several times within the timeout, so one slow beat
    (a busy database) does not make a live worker look dead."""
    return max(0.2, settings.TASK_WORKER_TIMEOUT / 6)


class Heartbeat:
    """A thread that records, every `heartbeat_seconds()`, that this worker process
    is alive and which task it is running."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.task_id: uuid.UUID | None = None
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="task-heartbeat", daemon=True
        )

    def start(self) -> None:
        # The first beat is written before the worker can claim a task.
        self.beat()
        task_started.connect(self._task_started)
        task_finished.connect(self._task_finished)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove this worker's row (a clean exit)."""
        self._stop.set()
        self._thread.join(timeout=heartbeat_seconds() * 2)
        task_started.disconnect(self._task_started)
        task_finished.disconnect(self._task_finished)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            # The row goes stale instead; the reaper deletes it later.
            logger.warning("Could not remove the heartbeat of %s", self.worker_id)

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "task_id": self.task_id,
                "started_at": self.started_at,
                "last_seen": timezone.now(),
            },
        )

    def _run(self) -> None:
        while not self._stop.wait(heartbeat_seconds()):
            try:
                self.beat()
            except DatabaseError as exc:
                # The database is away: the worker's own loop will fail too; keep
                # beating so that the worker is seen again as soon as it is back.
                logger.warning("Heartbeat of worker %s failed: %s", self.worker_id, exc)
                close_old_connections()
        connection.close()

    def _task_started(self, sender, task_result, **kwargs) -> None:
        if task_result.worker_ids and task_result.worker_ids[-1] == self.worker_id:
            self.task_id = uuid.UUID(str(task_result.id))

    def _task_finished(self, sender, task_result, **kwargs) -> None:
        self.task_id = None


def reap_tasks(now: datetime.datetime | None = None) -> list[str]:
    """Put back to READY every RUNNING task whose worker has not been seen for
    TASK_WORKER_TIMEOUT seconds; return their ids."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.TASK_WORKER_TIMEOUT)
    running = list(
        DBTaskResult.objects.running().values_list("pk", "worker_ids", "started_at")
    )
    workers = {ids[-1] for _pk, ids, _started in running if ids}
    last_seen = dict(
        WorkerHeartbeat.objects.filter(worker_id__in=workers).values_list(
            "worker_id", "last_seen"
        )
    )
    reaped = []
    for pk, worker_ids, started_at in running:
        worker = worker_ids[-1] if worker_ids else None
        # A task claimed within the timeout is never reaped, even by a worker whose
        # first beat is not in yet.
        seen = max(filter(None, [last_seen.get(worker), started_at]), default=None)
        if seen is not None and seen >= cutoff:
            continue
        # started_at changes with every claim: a task that finished or was claimed
        # again meanwhile is left alone, and two reapers reset it once.
        updated = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        ).update(status=TaskResultStatus.READY, started_at=None)
        if updated:
            logger.warning(
                "Task %s put back to READY: worker %s not seen since %s",
                pk,
                worker,
                seen.isoformat() if seen else "ever",
            )
            reaped.append(str(pk))
    WorkerHeartbeat.objects.not_seen_since(now - KEEP_DEAD_WORKERS).delete()
    return reaped
