"""The one-time token in an e-mail confirmation link."""

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int

CONFIRMATION_VALID_FOR = timedelta(days=3)


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Like a password-reset token, but spent by confirming: the hash covers the
    address and whether it is confirmed, so a link works once and only for the
    address it was sent to."""

    key_salt = "accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_confirmed}{timestamp}"

    def check_token(self, user, token) -> bool:
        # Django's check also applies PASSWORD_RESET_TIMEOUT; ours is fixed.
        if not super().check_token(user, token):
            return False
        age = self._num_seconds(self._now()) - base36_to_int(token.split("-")[0])
        return age <= CONFIRMATION_VALID_FOR.total_seconds()


email_confirmation_token = EmailConfirmationTokenGenerator()
