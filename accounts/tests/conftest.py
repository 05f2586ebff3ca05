"""Fixtures of the accounts tests: mail kept in memory, tasks run at once, readers."""

import pytest

from accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _mail_and_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.SITE_BASE_URL = "https://news.example.com"


@pytest.fixture
def reader(home):
    return UserFactory(nickname="袋鼠先生", email="roo@example.com")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client
