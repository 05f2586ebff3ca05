"""Comments and replies under articles, with likes, reports, notifications and the
site's moderation settings and word lists."""

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import register_setting

from core.models import CurrentSiteSetting

EDIT_WINDOW = timedelta(minutes=5)
MAX_LENGTH = 2000

# Sent (after commit) when comments of an article appear or disappear, so that page
# caches holding its comment list can be purged. Arguments: article_id.
comments_changed = Signal()


class CommentMode(models.TextChoices):
    POST_MODERATION = "post", _("Publish at once, review afterwards")
    NEW_ACCOUNTS_HELD = "premod_new", _("Hold the first comments of new accounts")
    ALL_HELD = "premod_all", _("Hold every comment for review")
    CLOSED = "closed", _("Comments closed")


class DeletedAccountComments(models.TextChoices):
    ANONYMISE = "anonymise", _("Keep them, shown as from a deleted account")
    REMOVE = "remove", _("Remove them")


@register_setting(icon="comment")
class CommentSettings(CurrentSiteSetting):
    mode = models.CharField(
        _("moderation mode"),
        max_length=12,
        choices=CommentMode.choices,
        default=CommentMode.POST_MODERATION,
        help_text=_("Articles can choose another mode for themselves."),
    )
    new_account_held = models.PositiveSmallIntegerField(
        _("comments held for new accounts"),
        default=3,
        help_text=_(
            "In the new-accounts mode, an account's comments are held until this "
            "many of them have been approved."
        ),
    )
    auto_close_days = models.PositiveSmallIntegerField(
        _("close comments after (days)"),
        default=30,
        help_text=_("Days after publication; 0 keeps comments open."),
    )
    report_threshold = models.PositiveSmallIntegerField(
        _("reports that hide a comment"),
        default=3,
        help_text=_("Reports from this many readers hide a comment until reviewed."),
    )
    deleted_account_comments = models.CharField(
        _("comments of deleted accounts"),
        max_length=12,
        choices=DeletedAccountComments.choices,
        default=DeletedAccountComments.ANONYMISE,
    )
    nickname_changes = models.PositiveSmallIntegerField(
        _("nickname changes per 30 days"), default=2
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("mode"),
                FieldPanel("new_account_held"),
                FieldPanel("auto_close_days"),
                FieldPanel("report_threshold"),
            ],
            heading=_("Moderation"),
        ),
        MultiFieldPanel(
            [FieldPanel("deleted_account_comments"), FieldPanel("nickname_changes")],
            heading=_("Accounts"),
        ),
    ]

    class Meta:
        verbose_name = _("comment settings")

    def mode_for(self, article) -> str:
        """The mode in force on an article: its own or the site's, closed when old."""
        mode = article.comment_mode or self.mode
        if mode != CommentMode.CLOSED and self.auto_close_days and article.published_at:
            if timezone.now() - article.published_at > timedelta(
                days=self.auto_close_days
            ):
                return CommentMode.CLOSED
        return mode


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(status=Comment.Status.PUBLISHED)

    def listed(self):
        """Top-level comments in the list: visible ones, and placeholders that still
        hold visible replies (so a deleted comment keeps its thread)."""
        return self.filter(parent__isnull=True).filter(
            Q(status=Comment.Status.PUBLISHED) | Q(reply_count__gt=0)
        )

    def with_people(self):
        return self.select_related("user", "reply_to_user")

    def recount_likes(self) -> int:
        likes = (
            CommentLike.objects.filter(comment=OuterRef("pk"))
            .order_by()
            .values("comment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.update(like_count=models.functions.Coalesce(Subquery(likes), 0))


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden")
        DELETED = "deleted", _("Deleted")

    class HeldReason(models.TextChoices):
        NONE = "", _("Not held")
        NEW_ACCOUNT = "new_account", _("New account")
        ALL_HELD = "all_held", _("Every comment is reviewed")
        WORD_FILTER = "word_filter", _("Suspect words")
        REPORTS = "reports", _("Reported by readers")

    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("top-level comment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept apart from reply_to so "回复 @nickname" survives the deletion of the
    # comment replied to.
    reply_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    held_reason = models.CharField(
        _("held because"),
        max_length=12,
        choices=HeldReason.choices,
        blank=True,
        default=HeldReason.NONE,
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    reply_count = models.PositiveIntegerField(_("visible replies"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_featured = models.BooleanField(_("featured"), default=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    body_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="comment_idempotency_unique"
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="comment_not_own_parent"
            ),
        ]
        indexes = [
            # The list pages walk these in order and stop after a page (keyset);
            # partial, so that "top-level only" is the index itself and the
            # planners (SQLite has no statistics by default) cannot miss it.
            models.Index(
                fields=["article", "-id"],
                condition=Q(parent__isnull=True),
                name="comment_top_new",
            ),
            models.Index(
                fields=["article", "-like_count", "-id"],
                condition=Q(parent__isnull=True),
                name="comment_top_hot",
            ),
            models.Index(
                fields=["article"], condition=Q(is_pinned=True), name="comment_pinned"
            ),
            models.Index(
                fields=["parent", "id"],
                condition=Q(status="published"),
                name="comment_replies",
            ),
            models.Index(
                fields=["-id"], condition=Q(status="pending"), name="comment_pending"
            ),
            models.Index(
                fields=["-id"], condition=Q(report_count__gt=0), name="comment_reported"
            ),
            models.Index(fields=["user", "-id"], name="comment_by_user"),
            models.Index(fields=["user", "body_hash"], name="comment_duplicates"),
            models.Index(fields=["article", "status"], name="comment_count"),
        ]

    def __str__(self) -> str:
        return self.body[:40]

    def get_absolute_url(self) -> str:
        return f"{self.article.get_url()}#comment-{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def top_level(self) -> "Comment":
        return self.parent if self.parent_id else self

    def can_edit(self, user, now=None) -> bool:
        now = now or timezone.now()
        return (
            user.is_authenticated
            and user.pk == self.user_id
            and self.status in (self.Status.PUBLISHED, self.Status.PENDING)
            and now - self.created_at <= EDIT_WINDOW
        )

    def can_delete(self, user) -> bool:
        return (
            user.is_authenticated
            and user.pk == self.user_id
            and self.status != self.Status.DELETED
        )

    def set_status(self, status: str, *, reason: str = "") -> None:
        """Move the comment to `status`, keeping counters, notifications and page
        caches in step. Every change of visibility goes through here."""
        was_visible = self.is_visible
        self.status = status
        self.held_reason = reason if status == self.Status.PENDING else ""
        self.save(update_fields=["status", "held_reason"])
        if was_visible == self.is_visible:
            return
        self.refresh_counts()
        if self.is_visible:
            self.notify_reply()
        article_id = self.article_id
        transaction.on_commit(
            lambda: comments_changed.send(sender=Comment, article_id=article_id)
        )

    def refresh_counts(self) -> None:
        """Recount the visible replies of the thread and the article's comments."""
        if self.parent_id:
            replies = (
                Comment.objects.filter(
                    parent=OuterRef("pk"), status=self.Status.PUBLISHED
                )
                .order_by()
                .values("parent")
                .annotate(n=Count("pk"))
                .values("n")
            )
            Comment.objects.filter(pk=self.parent_id).update(
                reply_count=models.functions.Coalesce(Subquery(replies), 0)
            )
        visible = Comment.objects.filter(
            article_id=self.article_id, status=self.Status.PUBLISHED
        ).count()
        article_model = self._meta.get_field("article").related_model
        article_model.objects.filter(pk=self.article_id).update(comment_count=visible)

    def notify_reply(self) -> None:
        """Tell the person replied to, once the reply is visible (and by e-mail if
        they asked for it)."""
        recipient_id = self.reply_to_user_id or (
            self.parent.user_id if self.parent_id else None
        )
        if not recipient_id or recipient_id == self.user_id:
            return
        notification, created = Notification.objects.get_or_create(
            recipient_id=recipient_id,
            kind=Notification.Kind.REPLY,
            actor_id=self.user_id,
            comment=self,
        )
        if created:
            from comments.tasks import send_reply_email

            transaction.on_commit(
                lambda: send_reply_email.enqueue(notification_id=notification.pk)
            )


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_like_each")
        ]


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abuse or harassment")
        HATE = "hate", _("Hate or discrimination")
        ILLEGAL = "illegal", _("Illegal content")
        PRIVACY = "privacy", _("Reveals private information")
        FALSE = "false", _("False information")
        OTHER = "other", _("Other")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    detail = models.CharField(_("details"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_report_each")
        ]


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        LIKE = "like", _("Like")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reply for REPLY, the liked comment for LIKE.
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "-id"], name="notification_inbox")]
        constraints = [
            # A like notifies once, however often it is taken back and given again.
            models.UniqueConstraint(
                fields=["recipient", "kind", "actor", "comment"],
                name="notification_once",
            )
        ]


class FilterWord(models.Model):
    class Kind(models.TextChoices):
        BANNED = "banned", _("Banned: the comment is refused")
        SUSPECT = "suspect", _("Suspect: the comment is held for review")
        ALLOWED = "allowed", _("Allowed: never matched inside this word")

    word = models.CharField(_("word"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    panels = [FieldPanel("word"), FieldPanel("kind")]

    class Meta:
        verbose_name = _("filtered word")
        verbose_name_plural = _("filtered words")
        ordering = ["kind", "word"]

    def __str__(self) -> str:
        return self.word
