"""Sign-up and e-mail confirmation, log-in and passwords, and the reader's own pages
(我的): comments, notifications, profile, data export and deleting the account."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.forms import (
    AvatarForm,
    DeleteAccountForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from accounts.models import User
from accounts.tasks import send_confirmation_email
from accounts.tokens import email_confirmation_token
from comments.models import Comment, CommentSettings, DeletedAccountComments
from core.pagination import paginate
from core.ratelimit import fixed_key, limit

PER_PAGE = 20
form_methods = require_http_methods(["GET", "HEAD", "POST"])
BACKEND = "accounts.backends.EmailOrNicknameBackend"


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset_body.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/me_password.html"
    success_url = reverse_lazy("accounts:password_change_done")
    extra_context = {"tab": "password"}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/me_password_done.html"
    extra_context = {"tab": "password"}


@form_methods
@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("/")
    if request.method == "POST":
        limit(request, "signup_ip")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        send_confirmation_email.enqueue(user_id=user.pk)
        login(request, user, backend=BACKEND)
        return redirect("accounts:confirm_sent")
    return TemplateResponse(request, "accounts/signup.html", {"form": form})


@require_safe
@login_required
def confirm_sent(request):
    if request.user.email_confirmed:
        return redirect("accounts:me")
    return TemplateResponse(request, "accounts/confirm_sent.html")


@require_POST
@login_required
def confirm_resend(request):
    if request.user.email_confirmed:
        return redirect("accounts:me")
    limit(request, "confirm_resend", fixed_key(f"user:{request.user.pk}"))
    send_confirmation_email.enqueue(user_id=request.user.pk)
    messages.success(
        request,
        _("We sent the link again to %(email)s.") % {"email": request.user.email},
    )
    return redirect("accounts:confirm_sent")


@require_safe
def confirm_email(request, uidb64, token):
    """Works logged in or not: the link is what proves the address."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    confirmed = user is not None and email_confirmation_token.check_token(user, token)
    if confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
        if request.user.pk == user.pk:
            request.user.email_confirmed = True
    return TemplateResponse(
        request,
        "accounts/confirm_done.html",
        {"confirmed": confirmed},
        status=200 if confirmed else 400,
    )


@require_safe
@login_required
def my_comments(request):
    comments = (
        Comment.objects.filter(user=request.user)
        .select_related("article")
        .order_by("-id")  # the (user, -id) index
    )
    return TemplateResponse(
        request,
        "accounts/me_comments.html",
        {"tab": "comments", "page": paginate(request, comments, PER_PAGE)},
    )


@require_safe
@login_required
def notifications(request):
    inbox = request.user.notifications.select_related(
        "actor", "comment__article"
    ).order_by("-id")  # the (recipient, -id) index
    page = paginate(request, inbox, PER_PAGE)
    # Shown as new this once; the header's count drops to zero with this page.
    unread = {
        notification.pk for notification in page.items if not notification.read_at
    }
    request.user.notifications.filter(read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return TemplateResponse(
        request,
        "accounts/me_notifications.html",
        {"tab": "notifications", "page": page, "unread": unread},
    )


@form_methods
@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        user=user,
        changes_allowed=CommentSettings.current(request).nickname_changes,
    )
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except IntegrityError:
            # Someone took the nickname between the check and the save.
            user.refresh_from_db(fields=["nickname"])
            form.add_error("nickname", _("This nickname is already taken."))
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return render_profile(request, form, AvatarForm())


def render_profile(request, form, avatar_form):
    return TemplateResponse(
        request,
        "accounts/me_profile.html",
        {"tab": "profile", "form": form, "avatar_form": avatar_form},
    )


@require_POST
@login_required
def avatar(request):
    user = request.user
    if "remove" in request.POST:
        if user.avatar:
            user.avatar.delete(save=False)
            user.save(update_fields=["avatar"])
        messages.success(request, _("Your avatar has been removed."))
        return redirect("accounts:profile")
    avatar_form = AvatarForm(request.POST, request.FILES)
    if not avatar_form.is_valid():
        form = ProfileForm(
            user=user,
            changes_allowed=CommentSettings.current(request).nickname_changes,
        )
        return render_profile(request, form, avatar_form)
    user.replace_avatar(avatar_form.cleaned_data["avatar"])
    messages.success(request, _("Your new avatar has been saved."))
    return redirect("accounts:profile")


@form_methods
@login_required
def export(request):
    if request.method != "POST":
        return TemplateResponse(request, "accounts/me_export.html", {"tab": "export"})
    data = request.user.export_data(request)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"huaxun-data-{request.user.nickname}.json"
    )
    response["Cache-Control"] = "no-store"
    return response


@form_methods
@sensitive_post_parameters("password")
@login_required
def delete_account(request):
    mode = CommentSettings.current(request).deleted_account_comments
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            request.user.delete_account(mode)
        logout(request)
        return redirect("accounts:goodbye")
    return TemplateResponse(
        request,
        "accounts/me_delete.html",
        {
            "tab": "delete",
            "form": form,
            "comments_removed": mode == DeletedAccountComments.REMOVE,
        },
    )


@require_safe
def goodbye(request):
    return TemplateResponse(request, "accounts/goodbye.html")
