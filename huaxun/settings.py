"""The one settings module of huaxun.

Every variable is read from the environment in the block below, each with a safe
development default; nothing else differs between environments.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


# --- Environment ---------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
REDIS_URL = os.environ.get("REDIS_URL", "")
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
# Seconds without a heartbeat after which a task worker counts as dead and the
# scheduler (or `manage.py reap_tasks`) puts its running task back in the queue.
TASK_WORKER_TIMEOUT = float(os.environ.get("TASK_WORKER_TIMEOUT", "30"))
EMAIL_URL = os.environ.get("EMAIL_URL", "console:")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "huaxun <noreply@localhost>")
SITE_BASE_URL = os.environ.get("SITE_BASE_URL", "http://127.0.0.1:8000")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
SECURE_COOKIES = env_bool("SECURE_COOKIES", False)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "")
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
OPEN_METEO_URL = os.environ.get(
    "OPEN_METEO_URL", "https://api.open-meteo.com/v1/forecast"
)
BOM_URL = os.environ.get("BOM_URL", "https://www.bom.gov.au/fwo/")
RBA_URL = os.environ.get(
    "RBA_URL", "https://www.rba.gov.au/statistics/tables/csv/f11.1-data.csv"
)
ECB_URL = os.environ.get(
    "ECB_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
)
INGEST_PRIVATE_HOSTS = env_list("INGEST_PRIVATE_HOSTS", "")
WEATHER_REFRESH_SECONDS = int(os.environ.get("WEATHER_REFRESH_SECONDS", "1800"))
RATES_REFRESH_SECONDS = int(os.environ.get("RATES_REFRESH_SECONDS", "3600"))
HOT_LIST_SECONDS = int(os.environ.get("HOT_LIST_SECONDS", "300"))
# How long the header and footer's data (settings, menu, the default city's weather
# and rate) is kept between changes; 0 reads it on every page.
CHROME_SECONDS = int(os.environ.get("CHROME_SECONDS", "60"))
# How long the parts of an article page that every anonymous reader sees alike are
# kept rendered: its comment list (until a comment changes; likes show when it
# expires), and its body, cover image and related stories (per published revision);
# 0 renders them on every page.
FRAGMENT_SECONDS = int(os.environ.get("FRAGMENT_SECONDS", "300"))
# The full-page cache for anonymous readers (core/pagecache.py): seconds a copy is
# kept here, what a CDN may keep (s-maxage), nginx's micro-cache (X-Accel-Expires);
# 0 turns each off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_CDN_SECONDS = int(os.environ.get("PAGE_CDN_SECONDS", "60"))
PAGE_EDGE_SECONDS = int(os.environ.get("PAGE_EDGE_SECONDS", "2"))
PAGE_CACHE_DIR = Path(os.environ.get("PAGE_CACHE_DIR", BASE_DIR / "var" / "page-cache"))
# A CDN purge API (Wagtail's frontend cache): "http://host:port" for a caching proxy
# that takes PURGE, "cloudflare:<zone id>" with CLOUDFLARE_API_TOKEN, or empty.
FRONTEND_CACHE_URL = os.environ.get("FRONTEND_CACHE_URL", "")
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
# Read-only copies of the primary, comma separated; reads go there through
# core/routers.py (docs/deploy.md). Empty: everything on DATABASE_URL.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
# -------------------------------------------------------------------------------

if not SECRET_KEY:
    # Fine for the local demo and tests only; `manage.py check --deploy` flags the
    # "django-insecure-" prefix, and production sets SECRET_KEY.
    SECRET_KEY = "django-insecure-huaxun-development-key"

INSTALLED_APPS = [
    "core",
    "accounts",
    "comments",
    "news",
    "editions",
    "ingest",
    "search",
    "discovery",
    "variants",
    # Before django_tasks_db: its db_worker command beats the heartbeat.
    "taskhealth",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.sites.SiteMiddleware",
    "core.pagecache.PageCacheMiddleware",
    "variants.middleware.VariantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "huaxun.urls"
WSGI_APPLICATION = "huaxun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "core.context_processors.site_chrome",
            ],
        },
    },
]


def database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
        # at the start of a transaction so two writers queue instead of failing.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config["CONN_MAX_AGE"] = 60
        # Fail fast while PostgreSQL is away: readers get the 503 page in seconds.
        config["OPTIONS"] = {"connect_timeout": DATABASE_CONNECT_TIMEOUT}
    return config


DATABASES = {"default": database(DATABASE_URL)}
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    # Tests run against the primary's test database under the replica's name.
    DATABASES[f"replica{_number}"] = {**database(_url), "TEST": {"MIRROR": "default"}}
# Seconds a reader's requests read from the primary after one that wrote (the
# `pin_primary` cookie): longer than the replicas usually lag.
REPLICA_PIN_SECONDS = 10
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("core.pagecache.PageCacheMiddleware") + 1,
        "core.routers.ReplicaMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Fixed windows counted in the cache (core/ratelimit.py); "5/m" is five a minute,
# "20/15m" twenty in fifteen minutes. A scope missing here is not limited.
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"
RATE_LIMITS = {
    "login_ip": "30/15m",
    "login_account": "10/15m",
    "signup_ip": "10/h",
    "password_reset_ip": "5/h",
    "confirm_resend": "5/h",
    "comment_user_minute": "5/m",
    "comment_user_day": "100/d",
    "comment_ip_minute": "20/m",
    "report_user": "30/h",
    "like_user": "120/h",
    # Readers behind one shared address (a campus, an office) all count here.
    "view_beacon_ip": "300/m",
}

AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrNicknameBackend"]
PASSWORD_VALIDATION = "django.contrib.auth.password_validation"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # Argon2id
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{PASSWORD_VALIDATION}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{PASSWORD_VALIDATION}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": f"{PASSWORD_VALIDATION}.CommonPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

if REDIS_URL:
    # A Redis that goes away is a miss, not an error (core/cache.py).
    _redis = {"BACKEND": "core.cache.TolerantRedisCache", "LOCATION": REDIS_URL}
    CACHES = {
        "default": {**_redis, "KEY_PREFIX": "huaxun"},
        "renditions": {**_redis, "KEY_PREFIX": "rend"},
        "pages": {**_redis, "KEY_PREFIX": "page"},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "renditions",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        # Files, so that every worker process sees a purge.
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(PAGE_CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }
PAGE_CACHE_ALIAS = "pages"
PAGE_STALE_WHILE_REVALIDATE = 60
PAGE_STALE_IF_ERROR = 24 * 60 * 60
# Parameters that change what a page shows; others (but utm_* and click ids, which
# are dropped) make the request bypass the cache.
PAGE_CACHE_QUERY_PARAMS = {"page", "order", "sort", "city", "channel", "from", "to"}

if FRONTEND_CACHE_URL.startswith("cloudflare:"):
    WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "ZONEID": FRONTEND_CACHE_URL.removeprefix("cloudflare:"),
            "BEARER_TOKEN": CLOUDFLARE_API_TOKEN,
        }
    }
elif FRONTEND_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_URL,
        }
    }

TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}

EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}
_email_scheme, _, _email_rest = EMAIL_URL.partition(":")
if _email_scheme not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        "EMAIL_URL must start with console:, locmem:, file: or smtp:"
    )
EMAIL_BACKEND = EMAIL_BACKENDS[_email_scheme]
if _email_scheme == "file":
    # file:///var/mail/huaxun writes each message to a file there (browser tests).
    EMAIL_FILE_PATH = urlsplit(EMAIL_URL).path
if _email_scheme == "smtp":
    _smtp = urlsplit(EMAIL_URL)
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or 587
    EMAIL_HOST_USER = _smtp.username or ""
    EMAIL_HOST_PASSWORD = _smtp.password or ""
    EMAIL_USE_TLS = EMAIL_PORT == 587
    EMAIL_USE_SSL = EMAIL_PORT == 465

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["huaxun.formats"]
TIME_ZONE = "Australia/Sydney"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files that can be cached for a year; needs collectstatic,
    # which `make run` and the browser tests do.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "华讯"
WAGTAILADMIN_BASE_URL = SITE_BASE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backend"}}

WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "txt", "zip"]
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # One line per background task run is noise at INFO.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}
