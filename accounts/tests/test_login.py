"""Logging in and out: rate limits per address and per account, bans, safe
redirects; resetting and changing the password."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.pages import errors, shown, soup

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse 9"


def log_in(client, username, password=PASSWORD, ip="127.0.0.1", **fields):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password, **fields},
        REMOTE_ADDR=ip,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/accounts/me/", "/accounts/me/"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/x", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_log_in_goes_to_a_safe_next(client, reader, next_url, lands_on):
    response = log_in(client, "roo@example.com", next=next_url)
    assert response.status_code == 302
    assert response.url == lands_on


def test_the_login_form_carries_next(client, home):
    page = soup(client.get("/accounts/login/?next=/accounts/me/"))
    assert page.select_one("input[name=next]")["value"] == "/accounts/me/"
    reset = page.select_one("a[href='/accounts/password/reset/']")
    assert reset.get_text() == shown("Forgot your password?")


def test_failed_attempts_on_an_account_are_limited_from_any_address(
    client, reader, settings
):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "login_account": "3/15m",
        "login_ip": "100/15m",
    }
    for n, typed in enumerate(
        ["roo@example.com", "ROO@example.com ", "Roo@Example.com"]
    ):
        response = log_in(client, typed, "wrong", ip=f"10.0.0.{n}")
        assert response.status_code == 200
        assert errors(response) == shown(
            "The e-mail or nickname and password do not match."
        )
    assert log_in(client, "roo@example.com", "wrong", ip="10.0.1.1").status_code == 429
    # Now even the right password waits, from anywhere.
    response = log_in(client, "roo@example.com", ip="10.0.1.2")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not logged_in(client)
    # The nickname is another identifier, and other accounts are not affected.
    assert log_in(client, "袋鼠先生").status_code == 302
    client.logout()
    other = UserFactory(email="other@example.com")
    assert log_in(client, other.email).status_code == 302


def test_the_account_limit_is_temporary(client, reader, settings, monkeypatch):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": "2/15m"}
    for _attempt in range(3):
        log_in(client, "roo@example.com", "wrong")
    assert log_in(client, "roo@example.com").status_code == 429

    later = time.time() + 16 * 60
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: later)
    assert log_in(client, "roo@example.com").status_code == 302


def test_successful_log_ins_do_not_count_against_the_account(client, reader, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": "2/15m"}
    for _attempt in range(5):
        assert log_in(client, "roo@example.com").status_code == 302
        client.logout()


def test_every_attempt_counts_against_the_address(client, reader, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "3/15m"}
    log_in(client, "roo@example.com")
    client.logout()
    log_in(client, "nobody@example.com", "x")
    log_in(client, "somebody", "y")
    assert client.get("/accounts/login/").status_code == 200
    assert log_in(client, "roo@example.com").status_code == 429
    assert log_in(client, "roo@example.com", ip="10.2.2.2").status_code == 302


def test_a_banned_reader_is_told_until_when(client, reader):
    reader.banned_until = timezone.now() + timedelta(days=2)
    reader.sanction_reason = "人身攻击"
    reader.save()
    response = log_in(client, "roo@example.com")
    assert response.status_code == 200
    assert not logged_in(client)
    until = timezone.localtime(reader.banned_until).strftime("%Y-%m-%d %H:%M")
    message = errors(response)
    assert shown("This account is banned until %(until)s.", until=until) in message
    assert "人身攻击" in message

    # With the wrong password, nothing about the ban is revealed.
    assert until not in errors(log_in(client, "roo@example.com", "wrong"))

    reader.banned_until = timezone.now() - timedelta(minutes=1)
    reader.save()
    assert log_in(client, "roo@example.com").status_code == 302


def test_an_unconfirmed_reader_can_log_in(client, home):
    UserFactory(email="new@example.com", email_confirmed=False)
    assert log_in(client, "new@example.com").status_code == 302


def test_a_nickname_copying_an_address_does_not_capture_its_log_in(client, home):
    # Made directly: the profile form refuses "@" in nicknames.
    UserFactory(nickname="roo@example.com", password="impostor pass 1")
    UserFactory(email="roo@example.com")
    assert log_in(client, "roo@example.com").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("", ""),
        ("   ", PASSWORD),
        ("roo@example.com", ""),
        ("\x00", PASSWORD),
        ("x" * 300, PASSWORD),
        ("roo@example.com", "p" * 5000),
        ("\u202eroo", PASSWORD),
    ],
)
def test_bad_log_in_input_gives_form_errors(client, reader, username, password):
    response = log_in(client, username, password)
    assert response.status_code == 200
    assert errors(response)
    assert not logged_in(client)


def test_log_out_is_a_post(reader_client):
    assert reader_client.get("/accounts/logout/").status_code == 405
    assert logged_in(reader_client)
    assert reader_client.post("/accounts/logout/").status_code == 302
    assert not logged_in(reader_client)


# Password reset -------------------------------------------------------------


def ask_for_reset(client, email, ip="127.0.0.1"):
    return client.post(
        "/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip, follow=True
    )


def test_the_reset_answer_is_the_same_for_unknown_addresses(client, reader):
    known = ask_for_reset(client, "ROO@example.com")
    unknown = ask_for_reset(client, "nobody@example.com")
    assert known.redirect_chain == unknown.redirect_chain
    assert known.redirect_chain[-1][0] == "/accounts/password/reset/sent/"
    assert (
        soup(known).select_one(".reset-sent").get_text()
        == soup(unknown).select_one(".reset-sent").get_text()
    )
    assert [message.to for message in mail.outbox] == [["roo@example.com"]]


def test_a_reset_link_sets_a_new_password_once(home):
    reader = UserFactory(email="roo@example.com", email_confirmed=False)
    client = Client()
    ask_for_reset(client, "roo@example.com")
    body = mail.outbox[0].body
    assert "测试华讯" in mail.outbox[0].subject
    link = re.search(r"https://news\.example\.com(/accounts/password/reset/\S+/)", body)
    assert link, body

    form_page = client.get(link.group(1), follow=True)
    assert soup(form_page).select_one("input[name=new_password1]")
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand new 77", "new_password2": "brand new 77"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert soup(response).h1.get_text() == shown("Password changed")
    reader.refresh_from_db()
    assert reader.check_password("brand new 77")
    assert reader.email_confirmed  # the link proved the mailbox

    again = client.get(link.group(1), follow=True)
    assert soup(again).h1.get_text() == shown("This link does not work")
    assert log_in(Client(), "roo@example.com", "brand new 77").status_code == 302
    assert log_in(Client(), "roo@example.com").status_code == 200


def test_reset_requests_are_limited_per_address(client, reader, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_ip": "2/h"}
    ask_for_reset(client, "roo@example.com")
    ask_for_reset(client, "nobody@example.com")
    assert ask_for_reset(client, "roo@example.com").status_code == 429
    assert len(mail.outbox) == 1
    assert ask_for_reset(client, "roo@example.com", ip="10.3.3.3").status_code == 200


@pytest.mark.parametrize("email", ["", "   ", "not-an-address", "a" * 300, "\x00@x.y"])
def test_bad_reset_input_gives_form_errors(client, reader, email):
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 200
    assert errors(response)
    assert mail.outbox == []


# Changing the password ------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(reader):
    here, elsewhere = Client(), Client()
    assert log_in(here, "roo@example.com").status_code == 302
    assert log_in(elsewhere, "袋鼠先生").status_code == 302

    response = here.post(
        "/accounts/me/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another horse 10",
            "new_password2": "another horse 10",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/me/password/done/"
    assert soup(response).select_one(".me-title").get_text() == shown(
        "Password changed"
    )
    assert here.get("/accounts/me/").status_code == 200
    assert elsewhere.get("/accounts/me/").url == "/accounts/login/?next=/accounts/me/"
    assert User.objects.get(pk=reader.pk).check_password("another horse 10")


@pytest.mark.parametrize(
    "fields",
    [
        {"old_password": "wrong"},
        {"new_password2": "does not match"},
        {"new_password1": "short", "new_password2": "short"},
        {"new_password1": "x" * 129, "new_password2": "x" * 129},
        {"new_password1": "password123", "new_password2": "password123"},
    ],
)
def test_a_bad_password_change_is_refused(reader_client, reader, fields):
    data = {
        "old_password": PASSWORD,
        "new_password1": "another horse 10",
        "new_password2": "another horse 10",
        **fields,
    }
    response = reader_client.post("/accounts/me/password/", data)
    assert response.status_code == 200
    assert errors(response)
    assert User.objects.get(pk=reader.pk).check_password(PASSWORD)
