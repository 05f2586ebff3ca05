"""Comment moderation in the Wagtail admin: the queue, bulk actions, sanctions on
readers and the moderation log. Every change goes through Wagtail's audit log."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.paginator import WagtailPaginator
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from accounts.models import User
from comments.models import Comment, CommentReport, comments_changed

PAGE_SIZE = 50
LOG_PREFIX = "huaxun_comments."
# Far enough ahead to mean "for ever", near enough that no time zone overflows it.
PERMANENT = datetime(9999, 1, 1, tzinfo=UTC)

TABS = {
    "pending": gettext_lazy("Pending"),
    "reported": gettext_lazy("Reported"),
    "all": gettext_lazy("All"),
}

# action: (button label, success message with a %(count)d)
ACTIONS = {
    "approve": (
        gettext_lazy("Approve"),
        ngettext_lazy(
            "%(count)d comment approved.", "%(count)d comments approved.", "count"
        ),
    ),
    "hide": (
        gettext_lazy("Hide"),
        ngettext_lazy(
            "%(count)d comment hidden.", "%(count)d comments hidden.", "count"
        ),
    ),
    "delete": (
        gettext_lazy("Delete"),
        ngettext_lazy(
            "%(count)d comment deleted.", "%(count)d comments deleted.", "count"
        ),
    ),
    "pin": (
        gettext_lazy("Pin"),
        ngettext_lazy(
            "%(count)d comment pinned.", "%(count)d comments pinned.", "count"
        ),
    ),
    "unpin": (
        gettext_lazy("Unpin"),
        ngettext_lazy(
            "%(count)d comment unpinned.", "%(count)d comments unpinned.", "count"
        ),
    ),
    "feature": (
        gettext_lazy("Feature"),
        ngettext_lazy(
            "%(count)d comment featured.", "%(count)d comments featured.", "count"
        ),
    ),
    "unfeature": (
        gettext_lazy("Unfeature"),
        ngettext_lazy(
            "%(count)d comment no longer featured.",
            "%(count)d comments no longer featured.",
            "count",
        ),
    ),
}
STATUS_ACTIONS = {
    "approve": Comment.Status.PUBLISHED,
    "hide": Comment.Status.HIDDEN,
    "delete": Comment.Status.DELETED,
}
FLAG_ACTIONS = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "feature": ("is_featured", True),
    "unfeature": ("is_featured", False),
}


def can_moderate(user) -> bool:
    return user.is_active and user.has_perm("comments.change_comment")


def moderator_required(view):
    # Wagtail turns a raised PermissionDenied into a redirect to the dashboard;
    # moderation answers with a plain 403 instead.
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_moderate(request.user):
            return TemplateResponse(
                request, "comments/admin/forbidden.html", status=403
            )
        return view(request, *args, **kwargs)

    return wrapped


def parse_id(value) -> int | None:
    """A positive database id from user input, or None (never an overflow)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def pending_count(request) -> int:
    """Comments awaiting review, counted once per request (the menu shows it too)."""
    if not hasattr(request, "_pending_comments"):
        pending = Comment.objects.filter(status=Comment.Status.PENDING)
        request._pending_comments = pending.count()
    return request._pending_comments


def live_url(request, comment: Comment) -> str:
    url = comment.article.get_url(request)
    return f"{url}#comment-{comment.pk}" if url else ""


def queue_comments(tab: str, params) -> tuple:
    """The comments of a queue tab, narrowed by the GET filters; also the filters."""
    comments = Comment.objects.select_related("article", "user", "reply_to_user")
    if tab == "pending":
        comments = comments.filter(status=Comment.Status.PENDING)
    elif tab == "reported":
        open_reports = CommentReport.objects.filter(
            comment=OuterRef("pk"), resolved=False
        )
        comments = comments.filter(report_count__gt=0).filter(Exists(open_reports))
        comments = comments.exclude(status=Comment.Status.DELETED)
    filters = {
        "article": parse_id(params.get("article")),
        "comment": parse_id(params.get("comment")),
        "user": params.get("user", "").strip()[:50],
    }
    if filters["article"]:
        comments = comments.filter(article_id=filters["article"])
    if filters["comment"]:
        comments = comments.filter(pk=filters["comment"])
    if filters["user"]:
        user_id = parse_id(filters["user"])
        match = Q(user__nickname__icontains=filters["user"])
        comments = comments.filter(Q(user_id=user_id) | match if user_id else match)
    comments = comments.prefetch_related(
        Prefetch(
            "reports",
            queryset=CommentReport.objects.filter(resolved=False).order_by("id"),
            to_attr="open_reports",
        )
    )
    return comments.order_by("-id"), filters


@moderator_required
def queue(request):
    tab = request.GET.get("tab", "pending")
    if tab not in TABS:
        tab = "pending"
    comments, filters = queue_comments(tab, request.GET)
    paginator = WagtailPaginator(comments, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("p"))
    for comment in page:
        comment.live_url = live_url(request, comment)
        reasons = Counter(
            report.get_reason_display() for report in comment.open_reports
        )
        comment.report_reasons = sorted(reasons.items(), key=lambda item: -item[1])
    kept = {key: value for key, value in filters.items() if value}
    context = {
        "tab": tab,
        "tabs": [
            (key, label, "?" + urlencode({"tab": key, **kept}))
            for key, label in TABS.items()
        ],
        "filters": filters,
        "page": page,
        "elided_page_range": paginator.get_elided_page_range(page.number),
        "actions": [(key, label) for key, (label, _done) in ACTIONS.items()],
        "pending_count": pending_count(request),
    }
    return TemplateResponse(request, "comments/admin/queue.html", context)


def resolve_reports(comment: Comment) -> bool:
    """Close the open reports on a comment; True if there were any."""
    closed = CommentReport.objects.filter(comment=comment, resolved=False).update(
        resolved=True
    )
    if comment.report_count:
        # report_count counts open reports (see views.file_report).
        Comment.objects.filter(pk=comment.pk).update(report_count=0)
        comment.report_count = 0
    return bool(closed)


def apply_action(comment: Comment, action: str) -> dict | None:
    """Apply one moderation action; the data to log, or None if nothing changed."""
    before = comment.status
    if action in STATUS_ACTIONS:
        # A comment its author deleted stays deleted.
        if before == Comment.Status.DELETED:
            return None
        target = STATUS_ACTIONS[action]
        reports_closed = resolve_reports(comment)
        if before == target and not reports_closed:
            return None
        if before != target:
            comment.set_status(target)
        return {"from": before, "to": target, "reports_resolved": reports_closed}
    field, value = FLAG_ACTIONS[action]
    if getattr(comment, field) == value:
        return None
    if value and before == Comment.Status.DELETED:
        return None
    if value and field == "is_pinned" and comment.parent_id:
        # Only a top-level comment can be pinned above the others.
        return None
    setattr(comment, field, value)
    comment.save(update_fields=[field])
    return {field: value}


def back_to(request, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
@moderator_required
def bulk_action(request):
    done = back_to(request, reverse("comments_admin:queue"))
    action = request.POST.get("action", "")
    ids = {parse_id(value) for value in request.POST.getlist("ids")[: PAGE_SIZE * 4]}
    ids.discard(None)
    if action not in ACTIONS:
        messages.error(request, _("Choose an action from the list."))
        return redirect(done)
    if not ids:
        messages.error(request, _("Select at least one comment."))
        return redirect(done)
    changed = 0
    with transaction.atomic():
        # Locked in id order, so two moderators' batches cannot deadlock.
        locked = Comment.objects.select_for_update().filter(pk__in=ids)
        comments = list(locked.order_by("pk"))
        if not comments:
            messages.error(request, _("None of the selected comments exist."))
            return redirect(done)
        articles = set()
        for comment in comments:
            data = apply_action(comment, action)
            if data is None:
                continue
            changed += 1
            articles.add(comment.article_id)
            log(
                instance=comment,
                action=LOG_PREFIX + action,
                user=request.user,
                data={"article_id": comment.article_id, **data},
            )
        if action in FLAG_ACTIONS:
            # Pinning reorders the article's list; cached copies must go.
            for article_id in articles:
                transaction.on_commit(
                    lambda article_id=article_id: comments_changed.send(
                        sender=Comment, article_id=article_id
                    )
                )
    if changed:
        messages.success(request, ACTIONS[action][1] % {"count": changed})
    else:
        messages.warning(
            request, _("Nothing changed: the selected comments were already so.")
        )
    return redirect(done)


class SanctionForm(forms.Form):
    DURATIONS = {"1": 1, "7": 7, "30": 30, "permanent": None}

    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[
            ("ban", gettext_lazy("Ban: no posting and no logging in")),
            ("mute", gettext_lazy("Mute: can read and log in, but not post")),
            ("lift", gettext_lazy("Lift the ban and the mute")),
        ],
        widget=forms.RadioSelect,
    )
    duration = forms.ChoiceField(
        label=gettext_lazy("For"),
        choices=[
            ("1", gettext_lazy("1 day")),
            ("7", gettext_lazy("7 days")),
            ("30", gettext_lazy("30 days")),
            ("permanent", pgettext_lazy("sanction", "Permanently")),
        ],
        initial="7",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Recorded in the log; required for a ban or a mute."),
    )
    hide_comments = forms.BooleanField(
        label=gettext_lazy(
            "Also hide all of this reader's visible and pending comments"
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") in ("ban", "mute") and not data.get("reason"):
            self.add_error("reason", _("Give a reason for the log."))
        return data

    def until(self, now: datetime) -> datetime:
        days = self.DURATIONS[self.cleaned_data["duration"]]
        return PERMANENT if days is None else now + timedelta(days=days)


def apply_sanction(target: User, form: SanctionForm, moderator) -> int:
    """Ban, mute or lift as the form says, logging each change; returns the number
    of comments hidden alongside a ban."""
    action = form.cleaned_data["action"]
    data = {
        "reason": form.cleaned_data["reason"],
        "before": {
            "banned_until": target.banned_until,
            "muted_until": target.muted_until,
        },
    }
    if action == "lift":
        target.banned_until = target.muted_until = None
        target.sanction_reason = ""
        log_action = "lift_sanction"
    else:
        until = form.until(timezone.now())
        setattr(target, "banned_until" if action == "ban" else "muted_until", until)
        target.sanction_reason = data["reason"]
        data.update(until=until, duration=form.cleaned_data["duration"])
        log_action = action
    target.save(update_fields=["banned_until", "muted_until", "sanction_reason"])
    log(instance=target, action=LOG_PREFIX + log_action, user=moderator, data=data)
    hidden = 0
    if action == "ban" and form.cleaned_data["hide_comments"]:
        showing = [Comment.Status.PUBLISHED, Comment.Status.PENDING]
        for comment in target.comments.select_for_update().filter(status__in=showing):
            before = comment.status
            comment.set_status(Comment.Status.HIDDEN)
            hidden += 1
            log(
                instance=comment,
                action=LOG_PREFIX + "hide",
                user=moderator,
                data={
                    "article_id": comment.article_id,
                    "from": before,
                    "to": comment.status,
                    "because": "ban",
                },
            )
    return hidden


@moderator_required
def sanction(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    # A moderator cannot lock out an administrator, nor themselves.
    protected = target.is_superuser or target.pk == request.user.pk
    form = SanctionForm(request.POST or None)
    if request.method == "POST":
        if protected:
            messages.error(request, _("This account cannot be sanctioned here."))
            return redirect(request.path)
        if form.is_valid():
            with transaction.atomic():
                hidden = apply_sanction(target, form, request.user)
            if (
                form.cleaned_data["action"] == "ban"
                and form.cleaned_data["hide_comments"]
            ):
                done = _("%(nickname)s: sanction saved, %(hidden)d comments hidden.")
            else:
                done = _("%(nickname)s: sanction saved.")
            messages.success(request, done % {"nickname": target, "hidden": hidden})
            return redirect(
                back_to(request, reverse("comments_admin:sanction", args=[target.pk]))
            )
    statuses = Counter(target.comments.values_list("status", flat=True))
    context = {
        "target": target,
        "form": form,
        "protected": protected,
        "status_counts": [
            (label, statuses.get(value, 0)) for value, label in Comment.Status.choices
        ],
        "recent": target.comments.select_related("article").order_by("-id")[:10],
        "history": ModelLogEntry.objects.for_instance(target)
        .filter(action__startswith=LOG_PREFIX)
        .select_related("user")[:20],
        "queue_url": reverse("comments_admin:queue")
        + "?"
        + urlencode({"tab": "all", "user": target.pk}),
    }
    status = 400 if form.is_bound else 200
    return TemplateResponse(
        request, "comments/admin/sanction.html", context, status=status
    )


@moderator_required
def moderation_log(request):
    entries = (
        ModelLogEntry.objects.filter(action__startswith=LOG_PREFIX)
        .select_related("user", "content_type")
        .order_by("-timestamp", "-id")
    )
    paginator = WagtailPaginator(entries, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("p"))
    rows = []
    for entry, instance in page.object_list.with_instances():
        url = ""
        if isinstance(instance, Comment):
            url = (
                reverse("comments_admin:queue")
                + "?"
                + urlencode({"tab": "all", "comment": instance.pk})
            )
        elif isinstance(instance, User):
            url = reverse("comments_admin:sanction", args=[instance.pk])
        rows.append((entry, url))
    context = {
        "page": page,
        "rows": rows,
        "site_history_url": reverse("wagtailadmin_reports:site_history")
        + "?"
        + urlencode({"object_type": ContentType.objects.get_for_model(Comment).pk}),
        "elided_page_range": paginator.get_elided_page_range(page.number),
    }
    return TemplateResponse(request, "comments/admin/log.html", context)
