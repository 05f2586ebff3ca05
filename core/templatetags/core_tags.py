"""Template helpers of the site shell."""

from django import template

from variants.conversion import VARIANTS

register = template.Library()


@register.filter
def startswith(value: str, prefix: str) -> bool:
    return bool(value) and bool(prefix) and str(value).startswith(str(prefix))


@register.simple_tag(takes_context=True)
def canonical_url(context, variant: str = "") -> str:
    """The page's address without query parameters, but for a page number past 1;
    in the script variant being read, or in `variant` ("zh-hant") if given."""
    request = context.get("request")
    if request is None:
        return ""
    shown = VARIANTS.get(variant) or getattr(request, "variant", None)
    url = request.build_absolute_uri((shown.prefix if shown else "") + request.path)
    page = request.GET.get("page", "")
    if page.isascii() and page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url
