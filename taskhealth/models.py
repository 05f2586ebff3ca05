"""One row per running task worker, beaten every few seconds, so that the tasks of a
worker that died can be found and run again (taskhealth/recovery.py)."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeatQuerySet(models.QuerySet):
    def not_seen_since(self, moment: datetime.datetime) -> "WorkerHeartbeatQuerySet":
        return self.filter(last_seen__lt=moment)


class WorkerHeartbeat(models.Model):
    # The id django-tasks-db appends to DBTaskResult.worker_ids when it claims a task.
    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host name"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True)
    task_id = models.UUIDField(_("running task"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.hostname}:{self.pid}"
