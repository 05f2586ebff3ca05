"""Paging through long listings without COUNT queries and without 500s on bad input."""

from dataclasses import dataclass

from django.http import Http404

MAX_PAGE = 1000


@dataclass
class Page:
    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def page_number(request, param: str = "page") -> int:
    """The requested page; anything that is not a positive whole number means 1."""
    raw = request.GET.get(param, "")
    if not raw.isascii() or not raw.isdigit():
        return 1
    return max(int(raw), 1)


def paginate(request, queryset, per_page: int, param: str = "page") -> Page:
    """One page of `queryset`; a page past the end is a 404, like a missing page."""
    number = page_number(request, param)
    if number > MAX_PAGE:
        raise Http404("page out of range")
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    if number > 1 and not rows:
        raise Http404("page out of range")
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)
