"""Background jobs of accounts: the e-mails, sent outside the request."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from accounts.models import User
from accounts.tokens import email_confirmation_token
from core.models import SiteSettings


def absolute_url(path: str) -> str:
    return settings.SITE_BASE_URL.rstrip("/") + path


@task()
def send_email(subject: str, body: str, recipient: str) -> None:
    send_mail(subject, body, None, [recipient])


@task()
def send_confirmation_email(user_id: int) -> bool:
    """Mail a link that confirms the account's address, unless already confirmed."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_confirmed or not user.email:
        return False
    path = reverse(
        "accounts:confirm_email",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_confirmation_token.make_token(user),
        },
    )
    context = {
        "user": user,
        "url": absolute_url(path),
        "site_name": SiteSettings.current().site_name,
    }
    subject = render_to_string("accounts/email/confirm_subject.txt", context)
    body = render_to_string("accounts/email/confirm_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True
