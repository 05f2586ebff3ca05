"""Reader accounts: a custom user with a public nickname, its history and avatar."""

import secrets
import string
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SiteSettings

NICKNAME_ALPHABET = string.ascii_letters + string.digits
NICKNAME_MAX_LENGTH = 20
NICKNAME_CHANGE_WINDOW = timedelta(days=30)
DEFAULT_NICKNAME_PREFIX = "华人居民"


def random_nickname(prefix: str) -> str:
    """The prefix followed by 5 random letters or digits, e.g. 土澳居民Isnv2."""
    suffix = "".join(secrets.choice(NICKNAME_ALPHABET) for _ in range(5))
    return prefix[: NICKNAME_MAX_LENGTH - 5] + suffix


class User(AbstractUser):
    nickname = models.CharField(_("nickname"), max_length=NICKNAME_MAX_LENGTH)
    email_confirmed = models.BooleanField(_("e-mail confirmed"), default=False)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    email_on_reply = models.BooleanField(_("e-mail me about replies"), default=True)
    # Moderators' sanctions, each until a moment; a ban also stops logging in.
    banned_until = models.DateTimeField(_("banned until"), null=True, blank=True)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    sanction_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("nickname"), name="user_nickname_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname or self.username

    @property
    def is_banned(self) -> bool:
        return self.banned_until is not None and self.banned_until > timezone.now()

    @property
    def is_muted(self) -> bool:
        return self.is_banned or (
            self.muted_until is not None and self.muted_until > timezone.now()
        )

    def save(self, *args, **kwargs):
        if not self.nickname:
            self.nickname = self.unused_default_nickname()
        super().save(*args, **kwargs)

    @property
    def avatar_hue(self) -> int:
        """A hue for the default avatar that stays the same for this account;
        neighbouring ids land far apart on the colour wheel."""
        return (self.pk or 0) * 137 % 360

    @property
    def initial(self) -> str:
        return (self.nickname[:1] or "?").upper()

    @property
    def unread_notification_count(self) -> int:
        return self.notifications.filter(read_at__isnull=True).count()

    def nickname_changes_since(self, moment: datetime) -> list["NicknameChange"]:
        return list(self.nickname_changes.filter(created_at__gte=moment))

    def change_nickname(self, nickname: str) -> None:
        with transaction.atomic():
            NicknameChange.objects.create(user=self, old=self.nickname, new=nickname)
            self.nickname = nickname
            self.save(update_fields=["nickname"])

    def replace_avatar(self, webp: bytes) -> None:
        """Store a processed avatar under a new random name and delete the old file
        (a new name also means browsers never show a cached old picture)."""
        old = self.avatar.name
        name = f"{secrets.token_urlsafe(12)}.webp"
        self.avatar.save(name, ContentFile(webp), save=False)
        self.save(update_fields=["avatar"])
        if old:
            self.avatar.storage.delete(old)

    def delete_account(self, comments: str) -> None:
        """Delete this account. Its comments stay without an author ("anonymise")
        or are deleted first ("remove"); the caller holds the transaction."""
        from comments.models import Comment, DeletedAccountComments

        own = Comment.objects.filter(user=self)
        if comments == DeletedAccountComments.REMOVE:
            for comment in own.exclude(status=Comment.Status.DELETED):
                comment.set_status(Comment.Status.DELETED)
        # Nothing left to tie the kept text to the person, the address included.
        own.update(user=None, ip_address=None)
        if self.avatar:
            storage, name = self.avatar.storage, self.avatar.name
            transaction.on_commit(lambda: storage.delete(name))
        liked = list(
            Comment.objects.filter(likes__user=self).values_list("pk", flat=True)
        )
        self.delete()
        # The likes went with the account; the totals shown must follow.
        Comment.objects.filter(pk__in=liked).recount_likes()

    def export_data(self, request=None) -> dict:
        """Everything stored about this reader, as plain JSON-ready data."""
        from comments.models import Comment, CommentLike, CommentReport

        def when(moment):
            return moment.isoformat() if moment else None

        comments = Comment.objects.filter(user=self).select_related("article")
        return {
            "exported_at": when(timezone.now()),
            "profile": {
                "nickname": self.nickname,
                "email": self.email,
                "email_confirmed": self.email_confirmed,
                "email_on_reply": self.email_on_reply,
                "avatar": self.avatar.url if self.avatar else None,
                "date_joined": when(self.date_joined),
                "last_login": when(self.last_login),
                "banned_until": when(self.banned_until),
                "muted_until": when(self.muted_until),
                "sanction_reason": self.sanction_reason,
            },
            "comments": [
                {
                    "id": comment.pk,
                    "article": {
                        "title": comment.article.title,
                        "url": comment.article.get_full_url(request),
                    },
                    "in_reply_to": comment.reply_to_id,
                    "body": comment.body,
                    "status": comment.status,
                    "created_at": when(comment.created_at),
                    "edited_at": when(comment.edited_at),
                }
                for comment in comments.order_by("id")
            ],
            "likes": [
                {"comment": like.comment_id, "created_at": when(like.created_at)}
                for like in CommentLike.objects.filter(user=self).order_by("id")
            ],
            "reports": [
                {
                    "comment": report.comment_id,
                    "reason": report.reason,
                    "detail": report.detail,
                    "created_at": when(report.created_at),
                }
                for report in CommentReport.objects.filter(user=self).order_by("id")
            ],
            "notifications": [
                {
                    "kind": notification.kind,
                    "from": notification.actor.nickname if notification.actor else None,
                    "comment": notification.comment_id,
                    "created_at": when(notification.created_at),
                    "read_at": when(notification.read_at),
                }
                for notification in self.notifications.select_related("actor").order_by(
                    "id"
                )
            ],
            "nickname_changes": [
                {
                    "old": change.old,
                    "new": change.new,
                    "created_at": when(change.created_at),
                }
                for change in self.nickname_changes.order_by("id")
            ],
        }

    @classmethod
    def unused_default_nickname(cls) -> str:
        prefix = SiteSettings.current().nickname_prefix or DEFAULT_NICKNAME_PREFIX
        for _attempt in range(20):
            nickname = random_nickname(prefix)
            if not cls.objects.filter(nickname__iexact=nickname).exists():
                return nickname
        raise RuntimeError("could not find an unused nickname; lengthen the suffix")


class NicknameChange(models.Model):
    """One change of nickname; the recent ones count against the site's limit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nickname_changes",
    )
    old = models.CharField(_("old nickname"), max_length=NICKNAME_MAX_LENGTH)
    new = models.CharField(_("new nickname"), max_length=NICKNAME_MAX_LENGTH)
    created_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("nickname change")
        verbose_name_plural = _("nickname changes")
        indexes = [
            models.Index(fields=["user", "created_at"], name="nickname_change_recent")
        ]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"
