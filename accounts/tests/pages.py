"""What a reader sees: parsed pages, form errors and the messages as translated."""

from bs4 import BeautifulSoup
from django.utils.translation import gettext, pgettext


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "lxml")


def errors(response) -> str:
    """Every form error on the page, in one string."""
    return " ".join(li.get_text() for li in soup(response).select(".errorlist li"))


def shown(msgid: str, context: str = "", **params) -> str:
    """A message as the reader gets it: translated once the catalogue has it."""
    text = pgettext(context, msgid) if context else gettext(msgid)
    return text % params if params else text
