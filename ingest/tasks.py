"""Background jobs of republishing: polling the sources that are due, processing
each story found, publishing it at once for sources that ask for that."""

import datetime
import logging

from django.db.models import Q
from django_tasks import task

from editions.models import ScheduledRun
from editions.tasks import slot_for, take_slot
from ingest.models import Candidate, CandidateStatus
from ingest.pipeline import poll_source, process_candidate, publish_candidate
from news.models import Source

logger = logging.getLogger(__name__)


@task()
def poll_source_task(source_id: int) -> dict[str, int]:
    """Poll one source, then process every story it brought in."""
    source = Source.objects.filter(pk=source_id, is_active=True).first()
    if source is None:
        return {}
    counts = poll_source(source)
    if counts["new"]:
        # Candidates never processed (a lost task, a worker that died) are taken
        # along: processing skips what is already done.
        pending = Candidate.objects.filter(
            source=source, status=CandidateStatus.PENDING
        ).values_list("pk", flat=True)
        for candidate_id in pending:
            process_candidate_task.enqueue(candidate_id=candidate_id)
    return counts


@task()
def process_candidate_task(candidate_id: int) -> str:
    """Process one candidate; publish it when its source publishes automatically."""
    candidate = (
        Candidate.objects.select_related("source").filter(pk=candidate_id).first()
    )
    if candidate is None:
        return ""
    if candidate.status not in (CandidateStatus.PENDING, CandidateStatus.FAILED):
        return candidate.status
    status = process_candidate(candidate)
    if status == CandidateStatus.READY and candidate.source.auto_publish:
        try:
            publish_candidate(candidate)
        except ValueError as exc:
            # No default channel: the story waits for an editor instead.
            logger.warning("Candidate %s not published: %s", candidate.pk, exc)
    return candidate.status


def enqueue_due_sources(now: datetime.datetime) -> int:
    """Enqueue a poll of every active source that is due, once per slot of its
    polling interval however many schedulers run; how many were enqueued."""
    due = Source.objects.filter(is_active=True).filter(
        Q(ingest_state__isnull=True)
        | Q(ingest_state__next_poll_at__isnull=True)
        | Q(ingest_state__next_poll_at__lte=now)
    )
    enqueued = 0
    for source in due.only("pk", "slug", "poll_minutes"):
        job = f"ingest:{source.slug}"
        slot = slot_for(now, max(1, source.poll_minutes) * 60)
        if not take_slot(job, slot):
            continue
        try:
            poll_source_task.enqueue(source_id=source.pk)
        except Exception:
            # One source's trouble must not stop the others, nor the editions'
            # jobs; the slot is given back so that the next tick tries again.
            logger.exception("Could not enqueue %s", job)
            ScheduledRun.objects.filter(job=job, slot=slot).delete()
            continue
        enqueued += 1
    return enqueued
