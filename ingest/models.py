"""What republishing remembers: each source's polling state, and the stories found
in its feeds (candidates) on their way to review and publication."""

import datetime
import random

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_BACKOFF = datetime.timedelta(hours=24)
MAX_BACKOFF_DOUBLINGS = 6
BACKOFF_JITTER = 0.2


class SourceState(models.Model):
    """When a source was polled, when it is next due, and how its feed answered."""

    source = models.OneToOneField(
        "news.Source",
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="ingest_state",
    )
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Validators of the feed URL, sent back for a conditional GET.
    etag = models.CharField(_("ETag"), max_length=500, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("source polling state")
        verbose_name_plural = _("source polling states")

    def __str__(self) -> str:
        return str(self.source)

    def record_success(self, now: datetime.datetime, poll_minutes: int) -> None:
        self.last_polled_at = self.last_success_at = now
        self.failures = 0
        self.last_error = ""
        self.next_poll_at = now + datetime.timedelta(minutes=poll_minutes)

    def record_failure(
        self,
        now: datetime.datetime,
        poll_minutes: int,
        message: str,
        retry_after: float | None = None,
    ) -> None:
        """Back off exponentially (with jitter, at most a day) but never give up:
        an outlet that is down for a week is still polled once it is back."""
        self.last_polled_at = now
        self.failures += 1
        self.last_error = message
        doublings = min(self.failures, MAX_BACKOFF_DOUBLINGS)
        minutes = poll_minutes * 2**doublings
        # Jitter keeps sources that failed together from retrying together.
        minutes *= random.uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)
        wait = datetime.timedelta(minutes=minutes)
        if retry_after:
            wait = max(wait, datetime.timedelta(seconds=retry_after))
        self.next_poll_at = now + min(wait, MAX_BACKOFF)


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Found, not yet fetched")
    READY = "ready", _("Ready for review")
    DUPLICATE = "duplicate", _("Duplicate")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class Candidate(models.Model):
    """A story found in a source's feed: fetched, extracted and checked for
    duplicates before an editor (or auto-publish) turns it into an article."""

    source = models.ForeignKey(
        "news.Source",
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="candidates",
    )
    # The feed's GUID, or the URL when the feed gives none.
    external_id = models.CharField(_("external id"), max_length=500)
    url = models.URLField(_("URL"), max_length=1000)
    canonical_url = models.URLField(
        _("canonical URL"), max_length=1000, blank=True, db_index=True
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    author = models.CharField(_("author"), max_length=255, blank=True)
    source_name = models.CharField(
        _("outlet named on the page"), max_length=255, blank=True
    )
    # {"paragraphs": [...], "images": [{"src", "caption", "credit"}],
    #  "blocks": ingest.clean.body_blocks(...)}
    data = models.JSONField(_("extracted content"), default=dict, blank=True)
    text_hash = models.CharField(
        _("text hash"), max_length=64, blank=True, db_index=True
    )
    signature = models.BinaryField(_("MinHash signature"), blank=True, default=b"")
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PENDING,
        db_index=True,
    )
    error = models.TextField(_("error"), blank=True)
    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="one_candidate_per_item"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.url
