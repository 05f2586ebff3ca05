"""django-tasks-db's `db_worker`, beating a heartbeat while it runs so that its
tasks are run again if it dies (taskhealth/recovery.py)."""

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from taskhealth.recovery import Heartbeat


class Command(DBWorkerCommand):
    help = DBWorkerCommand.help + ", recording a heartbeat for the task reaper"

    def handle(self, *args, worker_id: str, **options):
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
