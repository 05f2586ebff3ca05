"""Reading and writing comments: the list with its pages, posting, replies, likes,
reports, edits and deletions. Each works as a plain form and in place with htmx."""

import uuid

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from comments.forms import CommentForm, EditForm, ReportForm, body_hash
from comments.models import (
    Comment,
    CommentLike,
    CommentMode,
    CommentReport,
    CommentSettings,
    Notification,
    comments_changed,
)
from core.ratelimit import client_ip, limit
from news.models import ArticlePage

PAGE_SIZE = 20
REPLIES_SHOWN = 3
ORDER_CHOICES = [
    ("new", gettext_lazy("Newest")),
    ("old", gettext_lazy("Oldest")),
    ("hot", gettext_lazy("Most liked")),
]
ORDERS = {key for key, _label in ORDER_CHOICES}


def live_article(article_id: int) -> ArticlePage:
    return get_object_or_404(ArticlePage.objects.live().public(), pk=article_id)


def live_comment(comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("article", "user").filter(article__live=True),
        pk=comment_id,
    )


def login_first(request, article: ArticlePage):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url(article)
        return response
    return redirect_to_login(f"{article.url}#comments")


def login_url(article: ArticlePage) -> str:
    return f"{resolve_url('accounts:login')}?{urlencode({'next': article.url})}"


def parse_cursor(order: str, cursor: str | None) -> tuple | None:
    """`after` is "id" for new/old and "likes.id" for hot; anything else: page one."""
    if not cursor:
        return None
    try:
        if order == "hot":
            likes, comment_id = cursor.split(".", 1)
            return int(likes), int(comment_id)
        return (int(cursor),)
    except ValueError:
        return None


def threads_page(article, order: str = "new", cursor: tuple | None = None):
    """One page of top-level comments with their first replies, in a fixed number
    of queries however many comments the article has (keyset pagination)."""
    listed = Comment.objects.filter(article=article).listed().with_people()
    stream = listed.filter(is_pinned=False)
    if order == "old":
        stream = stream.order_by("id")
        if cursor:
            stream = stream.filter(id__gt=cursor[0])
    elif order == "hot":
        stream = stream.order_by("-like_count", "-id")
        if cursor:
            likes, last_id = cursor
            stream = stream.filter(
                Q(like_count__lt=likes) | Q(like_count=likes, id__lt=last_id)
            )
    else:
        stream = stream.order_by("-id")
        if cursor:
            stream = stream.filter(id__lt=cursor[0])
    threads = list(stream[: PAGE_SIZE + 1])
    more = len(threads) > PAGE_SIZE
    threads = threads[:PAGE_SIZE]
    if cursor is None:
        threads = list(listed.filter(is_pinned=True).order_by("-id")) + threads
    next_cursor = None
    if more:
        last = threads[-1]
        next_cursor = f"{last.like_count}.{last.pk}" if order == "hot" else str(last.pk)
    attach_replies(threads, REPLIES_SHOWN)
    return threads, next_cursor


def attach_replies(threads: list[Comment], shown: int) -> None:
    """Give each thread its first `shown` visible replies (one query for all)."""
    parents = [thread.pk for thread in threads if thread.reply_count]
    replies: dict[int, list[Comment]] = {pk: [] for pk in parents}
    if parents:
        rows = (
            Comment.objects.visible()
            .filter(parent_id__in=parents)
            .with_people()
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F("parent_id")], order_by=F("id").asc()
                )
            )
            .filter(rank__lte=shown)
            .order_by("parent_id", "id")
        )
        for reply in rows:
            replies[reply.parent_id].append(reply)
    for thread in threads:
        thread.shown_replies = replies.get(thread.pk, [])


def section_context(request, article: ArticlePage, order: str = "new") -> dict:
    """What the comment section of an article page needs. Anonymous readers all
    see the same list, which is rendered once and kept (`anonymous_list`)."""
    # From the header's snapshot, renewed when the settings are saved.
    from core.context_processors import snapshot

    settings = snapshot(request).comment_settings
    mode = settings.mode_for(article)
    closed = mode == CommentMode.CLOSED
    context = {
        "article": article,
        "order": order,
        "order_choices": ORDER_CHOICES,
        "comment_mode": mode,
        "comments_closed": closed,
    }
    if not request.user.is_authenticated:
        html, has_threads = anonymous_list(article, order, closed)
        context.update(threads_html=html, has_threads=has_threads, liked_ids=set())
        return context
    threads, next_cursor = threads_page(article, order)
    context.update(threads=threads, next_cursor=next_cursor, has_threads=bool(threads))
    context.update(personal_context(request, threads, article, mode))
    return context


def list_key(article_id: int, order: str, closed: bool) -> str:
    return f"comment-list:{article_id}:{order}:{int(closed)}"


def anonymous_list(article: ArticlePage, order: str, closed: bool) -> tuple[str, bool]:
    """The first page of the comment list as an anonymous reader sees it, and
    whether it has any comment: from the shared page cache store when there, for
    `FRAGMENT_SECONDS` or until a comment on the article changes
    (`forget_lists`). Without it the list is most of an uncached article page's
    time (docs/benchmarks.md)."""
    seconds = django_settings.FRAGMENT_SECONDS
    store = caches[django_settings.PAGE_CACHE_ALIAS]
    key = list_key(article.pk, order, closed)
    if seconds:
        cached = store.get(key)
        if cached is not None:
            html, has_threads = cached
            return mark_safe(html), has_threads
    threads, next_cursor = threads_page(article, order)
    html = render_to_string(
        "comments/section.html#threads",
        {
            "article": article,
            "threads": threads,
            "next_cursor": next_cursor,
            "order": order,
            "comments_closed": closed,
            "liked_ids": set(),
        },
    )
    if seconds:
        store.set(key, (str(html), bool(threads)), seconds)
    return html, bool(threads)


def forget_lists(sender, article_id: int, **kwargs) -> None:
    """`comments_changed`: a comment on the article was shown, hidden, edited,
    pinned or featured."""
    store = caches[django_settings.PAGE_CACHE_ALIAS]
    store.delete_many(
        [list_key(article_id, order, closed) for order in ORDERS for closed in (0, 1)]
    )


def personal_context(request, comments, article, mode) -> dict:
    """Bits for a signed-in reader only, so anonymous pages stay cacheable."""
    user = request.user
    if not user.is_authenticated:
        return {"liked_ids": set()}
    ids = [c.pk for c in comments]
    ids += [r.pk for c in comments for r in getattr(c, "shown_replies", [])]
    liked = set(
        CommentLike.objects.filter(user=user, comment_id__in=ids).values_list(
            "comment_id", flat=True
        )
    )
    form = None
    if mode != CommentMode.CLOSED:
        form = CommentForm(
            initial={"key": uuid.uuid4()}, article=article, user=user, mode=mode
        )
    return {"liked_ids": liked, "form": form, "now": timezone.now()}


@require_GET
def comment_list(request, article_id: int):
    """More comments: an htmx fragment, or a page of its own without JavaScript."""
    article = live_article(article_id)
    order = request.GET.get("order", "new")
    if order not in ORDERS:
        order = "new"
    cursor = parse_cursor(order, request.GET.get("after"))
    threads, next_cursor = threads_page(article, order, cursor)
    mode = CommentSettings.current(request).mode_for(article)
    context = {
        "article": article,
        "threads": threads,
        "next_cursor": next_cursor,
        "order": order,
        "order_choices": ORDER_CHOICES,
        "comments_closed": mode == CommentMode.CLOSED,
        **personal_context(request, threads, article, mode),
    }
    if request.htmx:
        return TemplateResponse(request, "comments/section.html#threads", context)
    return TemplateResponse(request, "comments/list_page.html", context)


@require_GET
def reply_list(request, comment_id: int):
    """All visible replies of one thread."""
    thread = get_object_or_404(
        Comment.objects.with_people().filter(article__live=True, parent=None),
        pk=comment_id,
    )
    replies = list(
        Comment.objects.visible().filter(parent=thread).with_people().order_by("id")
    )
    thread.shown_replies = replies
    mode = CommentSettings.current(request).mode_for(thread.article)
    context = {
        "article": thread.article,
        "thread": thread,
        "comments_closed": mode == CommentMode.CLOSED,
        **personal_context(request, [thread], thread.article, mode),
    }
    if request.htmx:
        return TemplateResponse(request, "comments/section.html#replies", context)
    return TemplateResponse(request, "comments/thread_page.html", context)


@require_http_methods(["GET", "POST"])
def post_comment(request, article_id: int):
    """Post a comment or a reply (GET shows the form on a page of its own)."""
    article = live_article(article_id)
    if not request.user.is_authenticated:
        return login_first(request, article)
    mode = CommentSettings.current(request).mode_for(article)
    data = request.POST if request.method == "POST" else None
    initial = {"key": uuid.uuid4(), "parent": request.GET.get("parent")}
    form = CommentForm(
        data, initial=initial, article=article, user=request.user, mode=mode
    )
    if request.method == "POST":
        key = request.POST.get("key")
        repeat = already_posted(request.user, key)
        if repeat is not None:
            return posted(request, article, repeat)
        limit(request, "comment_user_minute", "user")
        limit(request, "comment_user_day", "user")
        limit(request, "comment_ip_minute", "ip")
        if form.is_valid():
            comment, _created = form.save(ip_address=client_ip(request))
            return posted(request, article, comment)
    status = 400 if form.is_bound else 200
    context = {"article": article, "form": form, "reply_to": form_parent(form)}
    if request.htmx:
        # htmx swaps only 2xx answers by default; the errors must still show.
        return TemplateResponse(request, "comments/section.html#form", context)
    return TemplateResponse(request, "comments/form_page.html", context, status=status)


def form_parent(form: CommentForm) -> Comment | None:
    parent_id = form.data.get("parent") if form.is_bound else form.initial.get("parent")
    try:
        return Comment.objects.visible().select_related("user").get(pk=int(parent_id))
    except (TypeError, ValueError, Comment.DoesNotExist):
        return None


def already_posted(user, key: str | None) -> Comment | None:
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return None
    return Comment.objects.filter(user=user, idempotency_key=key).first()


def posted(request, article, comment: Comment):
    held = comment.status == Comment.Status.PENDING
    if request.htmx:
        mode = CommentSettings.current(request).mode_for(article)
        context = {
            "article": article,
            "comment": comment,
            "held": held,
            "is_new": True,
            **personal_context(request, [], article, mode),
        }
        return TemplateResponse(request, "comments/posted.html", context)
    if held:
        messages.info(
            request,
            _("Your comment was received and will appear after review."),
        )
    return redirect(f"{article.url}#comment-{comment.pk}")


@require_http_methods(["POST"])
def like(request, comment_id: int):
    comment = live_comment(comment_id)
    if not request.user.is_authenticated:
        return login_first(request, comment.article)
    if not comment.is_visible:
        raise Http404
    limit(request, "like_user", "user")
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommentLike.objects.create(comment=comment, user=request.user)
            liked = True
        except IntegrityError:
            CommentLike.objects.filter(comment=comment, user=request.user).delete()
            liked = False
        count = CommentLike.objects.filter(comment=comment).count()
        Comment.objects.filter(pk=comment.pk).update(like_count=count)
        comment.like_count = count
        if liked and comment.user_id and comment.user_id != request.user.pk:
            Notification.objects.get_or_create(
                recipient_id=comment.user_id,
                kind=Notification.Kind.LIKE,
                actor=request.user,
                comment=comment,
            )
    if request.htmx:
        return TemplateResponse(
            request,
            "comments/section.html#like",
            {
                "comment": comment,
                "article": comment.article,
                "liked_ids": {comment.pk} if liked else set(),
            },
        )
    return redirect(comment.get_absolute_url())


@require_http_methods(["GET", "POST"])
def report(request, comment_id: int):
    comment = live_comment(comment_id)
    if not request.user.is_authenticated:
        return login_first(request, comment.article)
    if not comment.is_visible:
        raise Http404
    form = ReportForm(request.POST or None)
    done = False
    if request.method == "POST":
        limit(request, "report_user", "user")
        if form.is_valid():
            file_report(comment, request.user, **form.cleaned_data)
            done = True
            if not request.htmx:
                messages.success(
                    request, _("Thank you. The moderators will look at it.")
                )
                return redirect(comment.get_absolute_url())
    context = {"comment": comment, "form": form, "done": done}
    if request.htmx:
        return TemplateResponse(request, "comments/section.html#report", context)
    status = 400 if form.is_bound else 200
    return TemplateResponse(
        request, "comments/report_page.html", context, status=status
    )


def file_report(comment: Comment, user, reason: str, detail: str) -> None:
    """Record a report; enough readers reporting hides the comment until reviewed."""
    with transaction.atomic():
        _report, created = CommentReport.objects.get_or_create(
            comment=comment, user=user, defaults={"reason": reason, "detail": detail}
        )
        if not created:
            return
        count = CommentReport.objects.filter(comment=comment, resolved=False).count()
        Comment.objects.filter(pk=comment.pk).update(report_count=count)
        threshold = CommentSettings.current().report_threshold
        if threshold and count >= threshold and comment.is_visible:
            comment.set_status(
                Comment.Status.PENDING, reason=Comment.HeldReason.REPORTS
            )


@require_http_methods(["GET", "POST"])
def edit(request, comment_id: int):
    comment = live_comment(comment_id)
    if not comment.can_edit(request.user):
        return refuse(request, comment, _("This comment can no longer be edited."))
    form = EditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            comment.body = form.cleaned_data["body"]
            comment.body_hash = body_hash(comment.body)
            comment.edited_at = timezone.now()
            comment.save(update_fields=["body", "body_hash", "edited_at"])
            if form.held_reason:
                comment.set_status(Comment.Status.PENDING, reason=form.held_reason)
            elif comment.is_visible:
                article_id = comment.article_id
                transaction.on_commit(
                    lambda: comments_changed.send(sender=Comment, article_id=article_id)
                )
        if request.htmx:
            return TemplateResponse(
                request,
                "comments/section.html#comment",
                {"comment": comment, "article": comment.article, "liked_ids": set()},
            )
        return redirect(comment.get_absolute_url())
    context = {"comment": comment, "form": form}
    if request.htmx:
        return TemplateResponse(request, "comments/section.html#edit", context)
    status = 400 if form.is_bound else 200
    return TemplateResponse(request, "comments/edit_page.html", context, status=status)


@require_http_methods(["GET", "POST"])
def delete(request, comment_id: int):
    comment = live_comment(comment_id)
    if not comment.can_delete(request.user):
        return refuse(request, comment, _("You cannot delete this comment."))
    if request.method == "POST":
        with transaction.atomic():
            comment.set_status(Comment.Status.DELETED)
        if request.htmx:
            return TemplateResponse(
                request, "comments/section.html#tombstone", {"comment": comment}
            )
        messages.success(request, _("Your comment has been deleted."))
        return redirect(f"{comment.article.url}#comments")
    return TemplateResponse(request, "comments/delete_page.html", {"comment": comment})


def refuse(request, comment: Comment, message: str):
    if not request.user.is_authenticated:
        return login_first(request, comment.article)
    if request.htmx:
        return HttpResponse(
            format_html('<p class="notice notice-error">{}</p>', message)
        )
    return TemplateResponse(
        request,
        "comments/refused.html",
        {"comment": comment, "message": message},
        status=403,
    )
