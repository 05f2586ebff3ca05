"""A task for tests/test_task_recovery.py, imported by the real workers it starts: it
says which worker runs it, waits to be released, then writes one result row."""

import datetime
import os
import time
from pathlib import Path

from django_tasks import task

from editions.models import ScheduledRun

RELEASE_TIMEOUT = 30
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@task(takes_context=True)
def wait_for_release(context, folder: str) -> str:
    folder_path = Path(folder)
    worker_id = context.task_result.worker_ids[-1]
    (folder_path / f"started-{worker_id}").write_text(str(os.getpid()))
    deadline = time.monotonic() + RELEASE_TIMEOUT
    while not (folder_path / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    # Idempotent: the unique (job, slot) makes a second run find the first row.
    ScheduledRun.objects.get_or_create(job=f"recovery:{folder_path.name}", slot=EPOCH)
    return worker_id
