"""The reader's avatar: the uploaded picture, or a coloured circle with an initial."""

from django import template
from django.utils.html import format_html

register = template.Library()

DEFAULT_SIZE = 40


@register.simple_tag
def avatar(user, size=DEFAULT_SIZE) -> str:
    """`{% avatar user 40 %}`; `user` None (a deleted account) gives a grey "?"."""
    try:
        size = max(8, min(int(size), 512))
    except (TypeError, ValueError):
        size = DEFAULT_SIZE
    if user is None or not getattr(user, "pk", None):
        return circle("avatar avatar-default avatar-deleted", None, size, "?")
    if user.avatar:
        return format_html(
            '<img class="avatar" src="{}" width="{}" height="{}" alt="" '
            'loading="lazy" decoding="async">',
            user.avatar.url,
            size,
            size,
        )
    return circle("avatar avatar-default", user.avatar_hue, size, user.initial)


def circle(classes: str, hue: int | None, size: int, text: str) -> str:
    """The shape and colours come from site.css; only size and hue vary."""
    hue_style = "" if hue is None else f"--avatar-hue: {hue}; "
    return format_html(
        '<span class="{}" style="{}--avatar-size: {}px" aria-hidden="true" '
        'translate="no">{}</span>',
        classes,
        hue_style,
        size,
        text,
    )
