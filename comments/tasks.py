"""Background jobs of the comments: e-mail about replies."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from comments.models import Notification


@task()
def send_reply_email(notification_id: int) -> bool:
    """Mail the recipient about a reply, if it is still visible and they want mail."""
    notification = (
        Notification.objects.select_related("recipient", "actor", "comment__article")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return False
    recipient, reply = notification.recipient, notification.comment
    if not (
        reply.is_visible
        and recipient.email
        and recipient.email_confirmed
        and recipient.email_on_reply
        and recipient.is_active
    ):
        return False
    context = {
        "recipient": recipient,
        "reply": reply,
        "actor": notification.actor,
        "article": reply.article,
        "url": reply.article.get_full_url() + f"#comment-{reply.pk}",
    }
    subject = render_to_string("comments/email/reply_subject.txt", context).strip()
    body = render_to_string("comments/email/reply_body.txt", context)
    send_mail(subject, body, None, [recipient.email])
    return True
