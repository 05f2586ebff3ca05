"""The switcher's links and the alternates of the page being shown."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from ..conversion import DEFAULT, VARIANTS

register = template.Library()


@register.simple_tag(takes_context=True)
def variant_links(context) -> list[dict]:
    """One link per variant to the switch, which goes on to this page in it."""
    request = context.get("request")
    if request is None:
        return []
    current = getattr(request, "variant", DEFAULT)
    here = request.get_full_path()
    return [
        {
            "variant": variant,
            "url": reverse("variants:switch", args=[variant.code])
            + "?"
            + urlencode({"next": here}),
            "current": variant == current,
        }
        for variant in VARIANTS.values()
    ]


@register.simple_tag
def variants() -> list:
    return list(VARIANTS.values())
