"""Forms for posting, editing and reporting comments, with the rules they enforce."""

import hashlib
import re
import unicodedata
from datetime import timedelta

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comments.models import MAX_LENGTH, Comment, CommentMode, CommentReport

DUPLICATE_WINDOW = timedelta(hours=24)
# Control characters other than line breaks and tabs, and the replacement character
# that stands in for bytes that were not valid UTF-8.
UNWANTED_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")
SPACES_RE = re.compile(r"[ \t]+")


def clean_text(text: str) -> str:
    """Line breaks made uniform and trailing spaces dropped; refuses control bytes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if UNWANTED_RE.search(text):
        raise forms.ValidationError(
            _("The comment contains characters that cannot be shown."),
            code="control_characters",
        )
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if not text:
        raise forms.ValidationError(_("Please write a comment."), code="required")
    if len(text) > MAX_LENGTH:
        raise forms.ValidationError(
            _("A comment can be at most %(max)d characters long (this one has %(n)d)."),
            code="max_length",
            params={"max": MAX_LENGTH, "n": len(text)},
        )
    return text


def body_hash(text: str) -> str:
    """Equal for texts that differ only in spacing, width or case."""
    folded = SPACES_RE.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(folded.encode()).hexdigest()


def screen(text: str) -> str:
    """Run the word filter: refuse banned words, return the held reason or ""."""
    from comments import wordfilter

    verdict = wordfilter.check(text)
    if verdict.action == "reject":
        raise forms.ValidationError(
            _("The comment contains words that are not allowed here."),
            code="banned_words",
        )
    return Comment.HeldReason.WORD_FILTER if verdict.action == "hold" else ""


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        strip=False,
        # A little slack: the limit is checked after line breaks are made uniform.
        max_length=MAX_LENGTH * 2,
        widget=forms.Textarea(
            attrs={"rows": 4, "maxlength": MAX_LENGTH, "required": True}
        ),
        error_messages={"required": _("Please write a comment.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill in every field fill this too.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, article, user, mode: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.article, self.user, self.mode = article, user, mode
        # clean_text() gives the Chinese messages for length and control bytes.
        self.fields["body"].validators = []
        self.parent_comment = None
        self.held_reason = ""

    def clean_body(self) -> str:
        return clean_text(self.cleaned_data["body"])

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = (
            Comment.objects.select_related("user")
            .filter(pk=parent_id, article=self.article, status=Comment.Status.PUBLISHED)
            .first()
        )
        if parent is None:
            raise forms.ValidationError(
                _("The comment you are replying to is no longer available."),
                code="bad_parent",
            )
        self.parent_comment = parent
        return parent_id

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Your comment could not be accepted."), code="honeypot"
            )
        refusal = posting_refusal(self.user, self.mode)
        if refusal:
            raise forms.ValidationError(refusal, code="refused")
        body = cleaned.get("body")
        if body:
            self.held_reason = screen(body)
            recent = Comment.objects.filter(
                user=self.user,
                body_hash=body_hash(body),
                created_at__gte=timezone.now() - DUPLICATE_WINDOW,
            ).exclude(status=Comment.Status.DELETED)
            if self.cleaned_data.get("key"):
                recent = recent.exclude(idempotency_key=self.cleaned_data["key"])
            if recent.exists():
                raise forms.ValidationError(
                    _("You have already posted this comment."), code="duplicate"
                )
        return cleaned

    def held_because(self) -> str:
        if self.held_reason:
            return self.held_reason
        if self.user.is_staff:
            return ""
        if self.mode == CommentMode.ALL_HELD:
            return Comment.HeldReason.ALL_HELD
        if self.mode == CommentMode.NEW_ACCOUNTS_HELD:
            from comments.models import CommentSettings

            needed = CommentSettings.current().new_account_held
            approved = Comment.objects.filter(
                user=self.user, status=Comment.Status.PUBLISHED
            ).count()
            if approved < needed:
                return Comment.HeldReason.NEW_ACCOUNT
        return ""

    def save(self, ip_address: str | None) -> tuple[Comment, bool]:
        """Store the comment; returns (comment, created). A repeated idempotency key
        returns the comment stored the first time instead of a second one."""
        parent = self.parent_comment
        key = self.cleaned_data.get("key")
        try:
            with transaction.atomic():
                comment = Comment.objects.create(
                    article=self.article,
                    user=self.user,
                    parent=parent.top_level if parent else None,
                    reply_to=parent,
                    reply_to_user=parent.user if parent else None,
                    body=self.cleaned_data["body"],
                    body_hash=body_hash(self.cleaned_data["body"]),
                    status=Comment.Status.PENDING,
                    idempotency_key=key,
                    ip_address=ip_address,
                )
                reason = self.held_because()
                if reason:
                    comment.set_status(Comment.Status.PENDING, reason=reason)
                else:
                    comment.set_status(Comment.Status.PUBLISHED)
        except IntegrityError:
            existing = Comment.objects.filter(user=self.user, idempotency_key=key)
            if key and existing.exists():
                return existing.get(), False
            raise
        return comment, True


def posting_refusal(user, mode: str) -> str:
    """Why `user` may not post under `mode`, or "" if they may."""
    if mode == CommentMode.CLOSED:
        return _("Comments on this article are closed.")
    if not user.email_confirmed:
        return _("Please confirm your e-mail address before commenting.")
    if user.is_banned:
        return _("Your account is suspended and cannot post comments.")
    if user.is_muted:
        until = timezone.localtime(user.muted_until).strftime("%Y-%m-%d %H:%M")
        return _("You cannot post comments until %(until)s.") % {"until": until}
    return ""


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        strip=False,
        max_length=MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_LENGTH}),
        error_messages={"required": _("Please write a comment.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].validators = []

    def clean_body(self) -> str:
        body = clean_text(self.cleaned_data["body"])
        self.held_reason = screen(body)
        return body


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a reason.")},
    )
    detail = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200}),
    )

    def clean_detail(self) -> str:
        detail = self.cleaned_data["detail"].replace("\r\n", "\n")
        if UNWANTED_RE.search(detail):
            raise forms.ValidationError(
                _("The text contains characters that cannot be shown."),
                code="control_characters",
            )
        return detail.strip()
