"""The profile tab: nickname rules and limits, and the reply e-mail setting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import NicknameChange, User
from accounts.tests.factories import UserFactory
from accounts.tests.pages import errors, shown, soup
from comments.models import CommentSettings, FilterWord

pytestmark = pytest.mark.django_db


def save_profile(client, nickname, email_on_reply=True):
    data = {"nickname": nickname}
    if email_on_reply:
        data["email_on_reply"] = "on"
    return client.post("/accounts/me/profile/", data, follow=True)


def test_changing_the_nickname(reader_client, reader):
    response = save_profile(reader_client, "  Wombat  ")
    assert response.redirect_chain[-1][0] == "/accounts/me/profile/"
    page = soup(response)
    assert page.select_one(".messages").get_text(strip=True) == shown(
        "Your profile has been saved."
    )
    assert page.select_one(".account-links .nickname").get_text() == "Wombat"
    assert page.select_one("input[name=nickname]")["value"] == "Wombat"
    change = NicknameChange.objects.get()
    assert (change.user, change.old, change.new) == (reader, "袋鼠先生", "Wombat")


def test_turning_off_reply_mail(reader_client, reader):
    save_profile(reader_client, "袋鼠先生", email_on_reply=False)
    reader.refresh_from_db()
    assert not reader.email_on_reply
    assert not NicknameChange.objects.exists()
    page = soup(reader_client.get("/accounts/me/profile/"))
    assert not page.select_one("input[name=email_on_reply]").has_attr("checked")


@pytest.mark.parametrize(
    ("nickname", "message", "params"),
    [
        ("", "This field is required.", {}),
        ("   ", "This field is required.", {}),
        ("袋", "A nickname needs at least %(min)d characters.", {"min": 2}),
        (" a ", "A nickname needs at least %(min)d characters.", {"min": 2}),
        ("很" * 21, "A nickname can be at most %(max)d characters long.", {"max": 20}),
        ("x" * 5000, "A nickname can be at most %(max)d characters long.", {"max": 20}),
        ("ab\x07cd", "A nickname cannot contain control or invisible characters.", {}),
        (
            "ab\u200bcd",
            "A nickname cannot contain control or invisible characters.",
            {},
        ),
        (
            "ab\u202ecd",
            "A nickname cannot contain control or invisible characters.",
            {},
        ),
        ("ab\ncd", "A nickname cannot contain control or invisible characters.", {}),
        ("me@example.com", "A nickname cannot contain “@”.", {}),
        ("me＠example", "A nickname cannot contain “@”.", {}),
        ("KANGAROO", "This nickname is already taken.", {}),
        ("ｋａｎｇａｒｏｏ", "This nickname is already taken.", {}),
    ],
)
def test_nickname_refusals(reader_client, reader, nickname, message, params):
    UserFactory(nickname="kangaroo")
    response = save_profile(reader_client, nickname)
    assert response.status_code == 200
    assert errors(response) == shown(message, **params)
    reader.refresh_from_db()
    assert reader.nickname == "袋鼠先生"
    assert (
        soup(response).select_one(".account-links .nickname").get_text() == "袋鼠先生"
    )
    assert not NicknameChange.objects.exists()


@pytest.mark.parametrize("kind", ["banned", "suspect"])
def test_nicknames_pass_the_word_filter(reader_client, reader, kind):
    FilterWord.objects.create(word="坏词", kind=kind)
    response = save_profile(reader_client, "我是坏词")
    assert errors(response) == shown(
        "This nickname contains words that are not allowed."
    )
    assert User.objects.get(pk=reader.pk).nickname == "袋鼠先生"
    assert save_profile(reader_client, "我是好词").redirect_chain


def test_nickname_changes_are_limited_per_30_days(reader_client, reader, home):
    settings = CommentSettings.current()
    settings.nickname_changes = 2
    settings.save()
    for nickname in ["一号", "二号"]:
        assert save_profile(reader_client, nickname).redirect_chain
    response = save_profile(reader_client, "三号")
    first = NicknameChange.objects.order_by("created_at").first()
    date = timezone.localtime(first.created_at + timedelta(days=30))
    assert errors(response) == shown(
        "You can change your nickname %(count)d times in 30 days. "
        "You can change it again after %(date)s.",
        count=2,
        date=date.strftime("%Y-%m-%d %H:%M"),
    )
    # Saving the other settings with the same nickname is still fine.
    assert save_profile(reader_client, "二号", email_on_reply=False).redirect_chain
    assert not User.objects.get(pk=reader.pk).email_on_reply

    NicknameChange.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert save_profile(reader_client, "三号").redirect_chain
    assert User.objects.get(pk=reader.pk).nickname == "三号"


def test_no_nickname_changes_when_the_site_allows_none(reader_client, reader, home):
    settings = CommentSettings.current()
    settings.nickname_changes = 0
    settings.save()
    response = save_profile(reader_client, "新名字")
    assert errors(response) == shown("Nicknames cannot be changed on this site.")


def test_a_case_change_of_my_own_nickname_is_allowed(client, home):
    user = UserFactory(nickname="wombat")
    client.force_login(user)
    assert save_profile(client, "Wombat").redirect_chain
    assert User.objects.get(pk=user.pk).nickname == "Wombat"
