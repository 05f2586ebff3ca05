"""Fixtures shared by every app's tests: a small portal built from factories."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from core.models import SiteSettings
from core.tests.factories import HomePageFactory
from editions.tests.factories import CityFactory
from news.tests.factories import ChannelPageFactory


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests render templates without collectstatic having run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _fresh_caches(settings, tmp_path):
    from django.core.cache import caches

    for alias in ("default", "renditions"):
        caches[alias].clear()
    # Most tests change rows directly and read the page again: the page cache is
    # off for them, and core/tests/test_pagecache.py turns it on.
    settings.PAGE_CACHE_SECONDS = 0
    # The same for the header and footer's snapshot (core/context_processors.py).
    settings.CHROME_SECONDS = 0
    # And for the rendered fragments of article pages (FRAGMENT_SECONDS).
    settings.FRAGMENT_SECONDS = 0
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "page-cache"),
        },
    }


@pytest.fixture
def city(db):
    return CityFactory(slug="sydney", name="悉尼", name_en="Sydney")


@pytest.fixture
def home(db, city):
    """A published home page as the default site's root, with filled-in settings."""
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).delete()
    home = HomePageFactory(parent=root, title="首页", slug="home")
    Site.objects.all().delete()
    site = Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    SiteSettings.objects.update_or_create(
        site=site,
        defaults={
            "site_name": "测试华讯",
            "slogan": "测试口号:本地新闻",
            "default_city": city,
            "nickname_prefix": "土澳居民",
            "app_store_url": "https://apps.example.com/ios",
            "copyright_holder": "测试传媒",
            "phone": "+61 2 5550 0100",
            "contact_email": "contact@example.com",
            "business_email": "biz@example.com",
            "news_tip_email": "tips@example.com",
            "legal_counsel": "测试律师事务所",
        },
    )
    return home


@pytest.fixture
def channel(home):
    return ChannelPageFactory(
        parent=home, title="澳洲", slug="australia", show_in_menus=True
    )


def make_image_file(color="#336699", size=(640, 427), name="photo.jpg") -> ImageFile:
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "JPEG")
    return ImageFile(io.BytesIO(out.getvalue()), name=name)


@pytest.fixture
def make_image(db):
    def make(title="测试图片", **kwargs):
        return get_image_model().objects.create(
            title=title, file=make_image_file(**kwargs)
        )

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2id is deliberately slow; tests that count on it ask for it by name.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
