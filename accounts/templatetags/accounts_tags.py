"""The reader's avatar: the uploaded picture, or a coloured circle with an initial."""

from django import template
from django.utils.html import format_html

register = template.Library()

DEFAULT_SIZE = 40
# Inline, so the avatar looks right on every page (header, comment lists) whatever
# stylesheets that page links.
CIRCLE = (
    "display: inline-block; flex: none; box-sizing: border-box; "
    "border-radius: 50%; overflow: hidden; vertical-align: middle; "
    "text-align: center; color: #fff; font-weight: 600; user-select: none"
)


@register.simple_tag
def avatar(user, size=DEFAULT_SIZE) -> str:
    """`{% avatar user 40 %}`; `user` None (a deleted account) gives a grey "?"."""
    try:
        size = max(8, min(int(size), 512))
    except (TypeError, ValueError):
        size = DEFAULT_SIZE
    if user is None or not getattr(user, "pk", None):
        return circle("avatar avatar-default avatar-deleted", "", "#9a9aa2", size, "?")
    if user.avatar:
        return format_html(
            '<img class="avatar" src="{}" width="{}" height="{}" alt="" '
            'style="border-radius: 50%; vertical-align: middle" '
            'loading="lazy" decoding="async">',
            user.avatar.url,
            size,
            size,
        )
    hue = user.avatar_hue
    return circle(
        "avatar avatar-default",
        f"--avatar-hue: {hue}; ",
        f"hsl({hue} 45% 46%)",
        size,
        user.initial,
    )


def circle(classes: str, hue: str, background: str, size: int, text: str) -> str:
    return format_html(
        '<span class="{}" style="{}{}; width: {}px; height: {}px; line-height: {}px; '
        'font-size: {}px; background: {}" aria-hidden="true">{}</span>',
        classes,
        hue,
        CIRCLE,
        size,
        size,
        size,
        round(size * 0.45),
        background,
        text,
    )
