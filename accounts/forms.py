"""The forms of accounts: sign-up, log-in, password reset, profile, avatar and
deleting the account."""

import io
import uuid

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import NICKNAME_CHANGE_WINDOW, NICKNAME_MAX_LENGTH, User
from accounts.tasks import absolute_url, send_email
from accounts.validators import clean_nickname
from core.models import SiteSettings
from core.ratelimit import fixed_key, limit

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_SIDE = 4000
AVATAR_SIZE = 256
AVATAR_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def local_time(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail or nickname"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or nickname and password do not match."),
    }

    def clean(self):
        """Every attempt counts against the address; failed ones also count against
        the account typed, whoever types it, so guessing one password is slow but
        nobody is locked out for longer than the window."""
        limit(self.request, "login_ip")
        typed = (self.cleaned_data.get("username") or "").strip().lower()
        per_account = fixed_key(f"login:{typed}")
        if typed:
            limit(self.request, "login_account", per_account, increment=False)
        try:
            return super().clean()
        except ValidationError as error:
            if typed and error.code == "invalid_login":
                limit(self.request, "login_account", per_account)
            raise

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_banned:
            message = _("This account is banned until %(until)s.") % {
                "until": local_time(user.banned_until)
            }
            if user.sanction_reason:
                message += " " + _("Reason: %(reason)s") % {
                    "reason": user.sanction_reason
                }
            raise ValidationError(message, code="banned")


class SignupForm(auth_forms.BaseUserCreationForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    # A trap for bots that fill in every field; people never see it.
    website = forms.CharField(
        label=_("Website"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = User
        fields = ["email"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail already exists."))
        return email

    def clean(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(
                _("Sorry, the sign-up did not go through. Please try again later."),
                code="refused",
            )
        return super().clean()

    def save(self, commit=True):
        user = super().save(commit=False)
        user.username = uuid.uuid4().hex
        if commit:
            user.save()
        return user


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def save(self, *, request=None, **kwargs):
        # Counted per request, found or not, so the limit reveals no accounts.
        limit(request, "password_reset_ip")
        kwargs["extra_email_context"] = {
            "site_name": SiteSettings.current(request).site_name,
            "base_url": absolute_url(""),
        }
        super().save(request=request, **kwargs)

    def send_mail(
        self, subject_template_name, email_template_name, context, *args, **kwargs
    ):
        # Sent by a task: an unknown address and a known one answer equally fast.
        subject = render_to_string(subject_template_name, context)
        body = render_to_string(email_template_name, context)
        send_email.enqueue(
            subject=" ".join(subject.split()), body=body, recipient=context["email"]
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit=True):
        # The reset link reached the mailbox, which is what confirming proves.
        self.user.email_confirmed = True
        return super().save(commit=commit)


class ProfileForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"),
        widget=forms.TextInput(attrs={"maxlength": NICKNAME_MAX_LENGTH}),
    )
    email_on_reply = forms.BooleanField(
        label=_("E-mail me when someone replies to my comments"), required=False
    )

    def __init__(self, *args, user: User, changes_allowed: int, **kwargs):
        self.user = user
        self.changes_allowed = changes_allowed
        kwargs.setdefault(
            "initial",
            {"nickname": user.nickname, "email_on_reply": user.email_on_reply},
        )
        super().__init__(*args, **kwargs)

    def clean_nickname(self) -> str:
        nickname = clean_nickname(self.cleaned_data["nickname"])
        if nickname == self.user.nickname:
            return nickname
        taken = User.objects.filter(nickname__iexact=nickname).exclude(pk=self.user.pk)
        if taken.exists():
            raise ValidationError(_("This nickname is already taken."), code="taken")
        if self.changes_allowed <= 0:
            raise ValidationError(
                _("Nicknames cannot be changed on this site."), code="no_changes"
            )
        recent = self.user.nickname_changes_since(
            timezone.now() - NICKNAME_CHANGE_WINDOW
        )
        if len(recent) >= self.changes_allowed:
            oldest = min(change.created_at for change in recent)
            raise ValidationError(
                _(
                    "You can change your nickname %(count)d times in 30 days. "
                    "You can change it again after %(date)s."
                ),
                code="too_often",
                params={
                    "count": self.changes_allowed,
                    "date": local_time(oldest + NICKNAME_CHANGE_WINDOW),
                },
            )
        return nickname

    def save(self) -> None:
        user = self.user
        if self.cleaned_data["nickname"] != user.nickname:
            user.change_nickname(self.cleaned_data["nickname"])
        if self.cleaned_data["email_on_reply"] != user.email_on_reply:
            user.email_on_reply = self.cleaned_data["email_on_reply"]
            user.save(update_fields=["email_on_reply"])


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("Avatar"),
        help_text=_("A JPEG, PNG, WebP or GIF picture of at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    def clean_avatar(self) -> bytes:
        """The upload re-encoded as a square WebP, which also drops EXIF and any
        other metadata; the size is read from the header before decoding."""
        upload = self.cleaned_data["avatar"]
        if upload.size > AVATAR_MAX_BYTES:
            raise ValidationError(
                _("The picture is larger than 5 MB."), code="too_large"
            )
        too_many_pixels = ValidationError(
            _("The picture is larger than 4000 × 4000 pixels."),
            code="too_many_pixels",
        )
        not_an_image = ValidationError(
            _("This file is not a JPEG, PNG, WebP or GIF picture."), code="invalid"
        )
        try:
            with Image.open(upload) as original:
                if original.format not in AVATAR_FORMATS:
                    raise not_an_image
                if max(original.size) > AVATAR_MAX_SIDE:
                    raise too_many_pixels
                original.seek(0)  # the first frame of an animation
                upright = ImageOps.exif_transpose(original)
                square = ImageOps.fit(
                    upright.convert("RGBA" if has_alpha(upright) else "RGB"),
                    (AVATAR_SIZE, AVATAR_SIZE),
                    Image.Resampling.LANCZOS,
                )
        except Image.DecompressionBombError:
            raise too_many_pixels from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise not_an_image from None
        square.info = {}  # nothing of the upload's metadata goes along
        out = io.BytesIO()
        square.save(out, "WEBP", quality=85)
        return out.getvalue()


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(
                _("The password is not right."), code="password_incorrect"
            )
        return password
