"""Log in with an e-mail address or a nickname as well as a username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrNicknameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        username = username.strip()
        # Nicknames cannot hold "@", so an address never finds someone else's
        # account by a nickname that copies it.
        if "@" in username:
            match = Q(email__iexact=username) | Q(username=username)
        else:
            match = Q(nickname__iexact=username) | Q(username=username)
        user = User.objects.filter(match).order_by("pk").first()
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
