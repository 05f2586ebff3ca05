"""Signing up, the confirmation e-mail and its link, sending it again, the honeypot
and the sign-up rate limit."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.pages import errors, shown, soup
from accounts.tokens import email_confirmation_token

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://news\.example\.com/accounts/confirm/[\w-]+/[\w-]+/")


def sign_up(client, email="new@example.com", ip="127.0.0.1", **fields):
    data = {"email": email, "password1": "kx7-Wombat!", "password2": "kx7-Wombat!"}
    return client.post("/accounts/signup/", {**data, **fields}, REMOTE_ADDR=ip)


def confirmation_link(message) -> str:
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return links[0].removeprefix("https://news.example.com")


def test_sign_up_logs_in_and_mails_a_confirmation_link(client, home):
    response = sign_up(client)
    assert response.status_code == 302
    assert response.url == "/accounts/confirm/sent/"

    user = User.objects.get(email="new@example.com")
    assert not user.email_confirmed
    assert mail.outbox[0].to == ["new@example.com"]
    assert "测试华讯" in mail.outbox[0].subject
    assert user.nickname in mail.outbox[0].body
    confirmation_link(mail.outbox[0])

    page = soup(client.get(response.url))
    assert page.select_one(".confirm-sent .email").get_text() == "new@example.com"
    resend = page.select_one(".confirm-sent form")
    assert resend["action"] == "/accounts/confirm/resend/"
    assert resend.select_one("button").get_text() == shown("Send the link again")
    assert page.select_one(".account-links .nickname").get_text() == user.nickname


def test_the_link_confirms_once_logged_in_or_not(client, home):
    sign_up(client)
    link = confirmation_link(mail.outbox[0])

    stranger = Client()
    response = stranger.get(link)
    assert response.status_code == 200
    assert soup(response).h1.get_text() == shown("E-mail address confirmed")
    assert User.objects.get(email="new@example.com").email_confirmed

    again = stranger.get(link)
    assert again.status_code == 400
    assert soup(again).h1.get_text() == shown("This link does not work")

    # The reader's own session now knows the address is confirmed.
    assert client.get("/accounts/confirm/sent/").url == "/accounts/me/"
    page = soup(client.get("/accounts/me/"))
    assert page.select_one(".confirm-banner") is None


def test_the_link_works_for_three_days_and_only_for_its_address(home, monkeypatch):
    user = UserFactory(email_confirmed=False)
    token = email_confirmation_token.make_token(user)
    now = email_confirmation_token._now()

    monkeypatch.setattr(
        email_confirmation_token, "_now", lambda: now + timedelta(days=2, hours=23)
    )
    assert email_confirmation_token.check_token(user, token)
    monkeypatch.setattr(
        email_confirmation_token, "_now", lambda: now + timedelta(days=3, hours=1)
    )
    assert not email_confirmation_token.check_token(user, token)

    monkeypatch.undo()
    user.email = "other@example.com"
    assert not email_confirmation_token.check_token(user, token)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/confirm/abc/def/",
        "/accounts/confirm/MQ/1-2/",
        "/accounts/confirm/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/",
        "/accounts/confirm/%E2%80%8B/%00/",
    ],
)
def test_a_broken_link_is_a_page_not_an_error(client, home, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert soup(response).h1.get_text() == shown("This link does not work")


def test_resending_the_link_is_limited_per_account(client, home, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "confirm_resend": "2/h"}
    sign_up(client)
    assert client.get("/accounts/confirm/resend/").status_code == 405

    for _attempt in range(2):
        response = client.post("/accounts/confirm/resend/", follow=True)
        assert response.status_code == 200
        message = soup(response).select_one(".messages li").get_text()
        assert message == shown(
            "We sent the link again to %(email)s.", email="new@example.com"
        )
    assert [message.to for message in mail.outbox] == [["new@example.com"]] * 3

    # Another address does not help: the limit is on the account.
    response = client.post("/accounts/confirm/resend/", REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 3


def test_a_confirmed_reader_gets_no_more_links(client, home):
    client.force_login(UserFactory())
    response = client.post("/accounts/confirm/resend/")
    assert response.url == "/accounts/me/"
    assert mail.outbox == []


def test_the_honeypot_refuses_quietly(client, home):
    response = sign_up(client, website="https://spam.example")
    assert response.status_code == 200
    assert errors(response) == shown(
        "Sorry, the sign-up did not go through. Please try again later."
    )
    assert not User.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_out_of_sight(client, home):
    field = soup(client.get("/accounts/signup/")).select_one("input[name=website]")
    assert field["tabindex"] == "-1"
    assert field["autocomplete"] == "off"
    assert "hp-field" in field.parent["class"]
    assert field.parent["aria-hidden"] == "true"


def test_sign_up_is_limited_per_address(client, home, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup_ip": "2/h"}
    assert sign_up(client, email="a@example.com").status_code == 302
    client.logout()
    assert sign_up(client, email="b@example.com", password2="x").status_code == 200
    response = sign_up(client, email="c@example.com")
    assert response.status_code == 429
    assert not User.objects.filter(email="c@example.com").exists()
    # Looking at the form is not counted, and another address may still sign up.
    assert client.get("/accounts/signup/").status_code == 200
    assert sign_up(client, email="c@example.com", ip="10.1.1.1").status_code == 302


@pytest.mark.parametrize(
    "fields",
    [
        {"email": ""},
        {"email": "   "},
        {"email": "a" * 250 + "@example.com"},
        {"email": "new\x00@example.com"},
        {"email": "new@exa mple.com"},
        {"password1": "", "password2": ""},
        {"password1": "x" * 200, "password2": "x" * 200},
        {"password1": "kx7-Wombat!\x00", "password2": "kx7-Wombat!\x00"},
    ],
)
def test_bad_sign_up_input_gives_form_errors(client, home, fields):
    response = sign_up(client, **fields)
    assert response.status_code == 200
    assert errors(response)
    assert not User.objects.exists()


def test_new_passwords_are_hashed_with_argon2id(client, home, settings):
    from huaxun import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    sign_up(client)
    assert User.objects.get().password.startswith("argon2$argon2id$")


def test_an_empty_post_shows_what_is_required(client, home):
    response = client.post("/accounts/signup/", {})
    assert response.status_code == 200
    assert shown("This field is required.") in errors(response)
    assert not User.objects.exists()
