"""Password rules beyond Django's own (a generous upper bound, no composition rules)
and the rules for a nickname's text."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

NICKNAME_MIN_LENGTH = 2
# Control, format (zero-width, direction overrides), private-use, unassigned and
# surrogate characters, and line or paragraph separators.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


def clean_nickname(value: str) -> str:
    """The nickname as it will be stored, or ValidationError saying what is wrong.

    Full-width and other compatibility forms are folded (NFKC) and runs of spaces
    become one, so look-alikes of a nickname are the same nickname.
    """
    from accounts.models import NICKNAME_MAX_LENGTH

    too_long = ValidationError(
        _("A nickname can be at most %(max)d characters long."),
        code="too_long",
        params={"max": NICKNAME_MAX_LENGTH},
    )
    if len(value) > NICKNAME_MAX_LENGTH * 10:
        raise too_long  # before normalising a pasted essay
    nickname = " ".join(unicodedata.normalize("NFKC", value).split())
    if any(unicodedata.category(char) in FORBIDDEN_CATEGORIES for char in value):
        raise ValidationError(
            _("A nickname cannot contain control or invisible characters."),
            code="invisible",
        )
    if len(nickname) < NICKNAME_MIN_LENGTH:
        raise ValidationError(
            _("A nickname needs at least %(min)d characters."),
            code="too_short",
            params={"min": NICKNAME_MIN_LENGTH},
        )
    if len(nickname) > NICKNAME_MAX_LENGTH:
        raise too_long
    # Log-in takes an e-mail address or a nickname: a nickname that looks like an
    # address could stand in the way of someone else's log-in.
    if "@" in nickname:
        raise ValidationError(_("A nickname cannot contain “@”."), code="at_sign")
    from comments import wordfilter

    if wordfilter.check(nickname).action != wordfilter.ALLOW:
        raise ValidationError(
            _("This nickname contains words that are not allowed."), code="words"
        )
    return nickname


class MaximumLengthValidator:
    """Long passphrases are welcome; past 128 characters it is a paste accident."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is longer than %(max_length)d character.",
                    "This password is longer than %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return ngettext(
            "Your password can be up to %(max_length)d character long.",
            "Your password can be up to %(max_length)d characters long.",
            self.max_length,
        ) % {"max_length": self.max_length}
