"""The republishing queue in the Wagtail admin: editors review the stories found in
the sources' feeds and publish, draft or reject them; every decision is logged."""

import re
from functools import wraps

from django import forms
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.paginator import WagtailPaginator
from wagtail.log_actions import log

from editions.models import City
from ingest.models import Candidate, CandidateStatus, SourceState
from news.models import ChannelPage, Source

PAGE_SIZE = 50
LOG_PREFIX = "huaxun_ingest."
TABS = {
    CandidateStatus.READY: gettext_lazy("Ready for review"),
    CandidateStatus.DUPLICATE: gettext_lazy("Duplicates"),
    CandidateStatus.FAILED: gettext_lazy("Failed"),
    CandidateStatus.PUBLISHED: gettext_lazy("Published"),
    CandidateStatus.REJECTED: gettext_lazy("Rejected"),
}
# Statuses whose stories have been extracted and can become articles.
PUBLISHABLE = (CandidateStatus.READY, CandidateStatus.DUPLICATE)
KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")
MAX_KEYWORDS = 20


def can_review(user) -> bool:
    return user.is_active and user.has_perm("ingest.change_candidate")


def reviewer_required(view):
    # A plain 403, as in comment moderation, rather than Wagtail's redirect.
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_review(request.user):
            return TemplateResponse(request, "ingest/admin/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def ready_count(request) -> int:
    """Candidates awaiting review, counted once per request (the menu shows it)."""
    if not hasattr(request, "_ready_candidates"):
        ready = Candidate.objects.filter(status=CandidateStatus.READY)
        request._ready_candidates = ready.count()
    return request._ready_candidates


def split_keywords(value: str) -> list[str]:
    """Keywords typed by an editor, separated by commas or 、, without repeats."""
    words = (word.strip() for word in KEYWORD_SEPARATORS.split(value))
    return list(dict.fromkeys(word[:100] for word in words if word))


def article_urls(request, article) -> tuple[str, str]:
    """The live URL of an article (empty for a draft) and its edit URL."""
    live = article.get_url(request) if article.live else ""
    return live or "", reverse("wagtailadmin_pages:edit", args=[article.pk])


@reviewer_required
def queue(request):
    status = request.GET.get("status", CandidateStatus.READY)
    if status not in TABS:
        status = CandidateStatus.READY
    candidates = (
        Candidate.objects.filter(status=status)
        .select_related("source", "article")
        .defer("data", "signature")
        .order_by(F("published").desc(nulls_last=True), "-created_at", "-pk")
    )
    paginator = WagtailPaginator(candidates, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("p"))
    context = {
        "status": status,
        "tabs": [
            (key, label, "?" + urlencode({"status": key}))
            for key, label in TABS.items()
        ],
        "page": page,
        "elided_page_range": paginator.get_elided_page_range(page.number),
        "ready_count": ready_count(request),
    }
    return TemplateResponse(request, "ingest/admin/queue.html", context)


class ReviewForm(forms.Form):
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("Separated by commas or 、."),
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        queryset=ChannelPage.objects.live().order_by("path"),
        required=False,
    )
    cities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Cities"),
        queryset=City.objects.order_by("pk"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_keywords(self):
        keywords = split_keywords(self.cleaned_data["keywords"])
        if len(keywords) > MAX_KEYWORDS:
            raise forms.ValidationError(
                _("At most %(count)d keywords.") % {"count": MAX_KEYWORDS}
            )
        return keywords

    @classmethod
    def for_candidate(cls, candidate: Candidate, data=None) -> "ReviewForm":
        source = candidate.source
        initial = {
            "keywords": "、".join(candidate.keywords),
            "channel": source.default_channel_id,
            "cities": list(source.default_cities.values_list("pk", flat=True)),
        }
        return cls(data, initial=initial)


@reviewer_required
def review(request, candidate_id: int):
    candidate = get_object_or_404(
        Candidate.objects.select_related("source", "duplicate_of", "article"),
        pk=candidate_id,
    )
    form = ReviewForm.for_candidate(candidate, request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if candidate.article_id:
            messages.error(request, _("This story has already been published."))
            return redirect("ingest_admin:review", candidate.pk)
        if action == "reject":
            return reject(request, candidate)
        if action in ("publish", "draft"):
            done = make_article(request, candidate, form, publish=action == "publish")
            if done is not None:
                return done
        else:
            messages.error(request, _("Choose publish, draft or reject."))
    context = {
        "candidate": candidate,
        "form": form,
        "paragraphs": candidate.data.get("paragraphs", []),
        "images": candidate.data.get("images", []),
        "publishable": candidate.status in PUBLISHABLE,
        "ready_count": ready_count(request),
    }
    if candidate.article_id:
        context["live_url"], context["edit_url"] = article_urls(
            request, candidate.article
        )
    status = 400 if form.is_bound else 200
    return TemplateResponse(request, "ingest/admin/review.html", context, status=status)


def reject(request, candidate: Candidate):
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if locked.article_id:
            messages.error(request, _("This story has already been published."))
            return redirect("ingest_admin:review", candidate.pk)
        before = locked.status
        locked.status = CandidateStatus.REJECTED
        locked.save(update_fields=["status", "updated_at"])
        log(
            instance=locked,
            action=LOG_PREFIX + "reject",
            user=request.user,
            data={"from": before},
        )
    messages.success(request, _("“%(title)s” rejected.") % {"title": locked})
    return redirect("ingest_admin:queue")


def make_article(request, candidate: Candidate, form: ReviewForm, *, publish: bool):
    """Make the candidate an article (live or draft); a redirect when done, None
    (with an error message) when the form must be shown again."""
    if candidate.status not in PUBLISHABLE:
        messages.error(
            request,
            _("Only a story that was read successfully can be published."),
        )
        return None
    if not form.is_valid():
        messages.error(request, _("The form has errors; see below."))
        return None
    channel = form.cleaned_data["channel"]
    if channel is None:
        messages.error(request, _("Choose a channel for the article."))
        return None
    try:
        # The pipeline brings trafilatura, jieba and datasketch: loaded by the
        # editors' request that needs it, not by every web worker at start-up.
        from ingest.pipeline import publish_candidate

        article = publish_candidate(
            candidate,
            user=request.user,
            publish=publish,
            keywords=form.cleaned_data["keywords"],
            channel=channel,
            cities=form.cleaned_data["cities"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return None
    log(
        instance=candidate,
        action=LOG_PREFIX + ("publish" if publish else "draft"),
        user=request.user,
        data={"article_id": article.pk, "channel_id": channel.pk},
    )
    live_url, edit_url = article_urls(request, article)
    if publish:
        done = _("“%(title)s” published.")
        buttons = [messages.button(live_url, _("View live"), new_window=True)]
    else:
        done = _("“%(title)s” saved as a draft.")
        buttons = []
    buttons.append(messages.button(edit_url, _("Edit")))
    messages.success(request, done % {"title": article.title}, buttons=buttons)
    return redirect("ingest_admin:queue")


@reviewer_required
def sources(request):
    states = {state.source_id: state for state in SourceState.objects.all()}
    rows = [
        (source, states.get(source.pk)) for source in Source.objects.order_by("name")
    ]
    return TemplateResponse(request, "ingest/admin/sources.html", {"rows": rows})
