"""Taking a whole source down from the Wagtail admin: every live story of the outlet
unpublished in one step, the source switched off, the reason kept in the audit log."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from news.models import ArticlePage, Source


def can_take_down(user) -> bool:
    return user.is_active and (
        user.is_superuser
        or (
            user.has_perm("news.change_source")
            and user.has_perm("wagtailadmin.access_admin")
        )
    )


def takedown_required(view):
    # Wagtail turns a raised PermissionDenied into a redirect to the dashboard;
    # a takedown answers with a plain 403 instead.
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_take_down(request.user):
            return TemplateResponse(request, "news/admin/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Why every story of this source comes down: kept in the site history."
        ),
    )


@takedown_required
@require_http_methods(["GET", "POST"])
def takedown(request, source_id: int):
    source = get_object_or_404(Source, pk=source_id)
    form = TakedownForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        count = source.take_down(request.user, form.cleaned_data["reason"])
        messages.success(
            request,
            ngettext(
                "%(source)s taken down: %(count)d article unpublished.",
                "%(source)s taken down: %(count)d articles unpublished.",
                count,
            )
            % {"source": source.name, "count": count},
        )
        return redirect("wagtailsnippets_news_source:list")
    return TemplateResponse(
        request,
        "news/admin/takedown.html",
        {
            "source": source,
            "form": form,
            "live_count": ArticlePage.objects.live().filter(source=source).count(),
            "title": _("Take down %(source)s") % {"source": source.name},
        },
    )
