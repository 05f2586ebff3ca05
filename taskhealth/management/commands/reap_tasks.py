"""Put back to READY the running tasks of workers that died."""

from django.conf import settings
from django.core.management.base import BaseCommand

from taskhealth.recovery import reap_tasks


class Command(BaseCommand):
    help = (
        "Put back to READY every RUNNING task whose worker has not been seen for "
        "TASK_WORKER_TIMEOUT seconds, so that another worker runs it again."
    )

    def handle(self, *args, **options):
        reaped = reap_tasks()
        self.stdout.write(
            f"Put {len(reaped)} task(s) back to READY (workers not seen for "
            f"{settings.TASK_WORKER_TIMEOUT} s): {', '.join(reaped)}"
        )
