"""Reader accounts: a custom user with a public nickname."""

import secrets
import string

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.models import SiteSettings

NICKNAME_ALPHABET = string.ascii_letters + string.digits
NICKNAME_MAX_LENGTH = 20
DEFAULT_NICKNAME_PREFIX = "华人居民"


def random_nickname(prefix: str) -> str:
    """The prefix followed by 5 random letters or digits, e.g. 土澳居民Isnv2."""
    suffix = "".join(secrets.choice(NICKNAME_ALPHABET) for _ in range(5))
    return prefix[: NICKNAME_MAX_LENGTH - 5] + suffix


class User(AbstractUser):
    nickname = models.CharField(_("nickname"), max_length=NICKNAME_MAX_LENGTH)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("nickname"), name="user_nickname_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname or self.username

    def save(self, *args, **kwargs):
        if not self.nickname:
            self.nickname = self.unused_default_nickname()
        super().save(*args, **kwargs)

    @classmethod
    def unused_default_nickname(cls) -> str:
        prefix = SiteSettings.current().nickname_prefix or DEFAULT_NICKNAME_PREFIX
        for _attempt in range(20):
            nickname = random_nickname(prefix)
            if not cls.objects.filter(nickname__iexact=nickname).exists():
                return nickname
        raise RuntimeError("could not find an unused nickname; lengthen the suffix")
