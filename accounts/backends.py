"""Log in with an e-mail address or a nickname as well as a username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrNicknameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        user = (
            User.objects.filter(
                Q(email__iexact=username)
                | Q(nickname__iexact=username)
                | Q(username=username)
            )
            .order_by("pk")
            .first()
        )
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
