from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core import views as core_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("comments/", include("comments.urls")),
    path("sitemap/", core_views.site_map, name="site_map"),
    path("", include("search.urls")),
    path("", include("discovery.urls")),
    path("", include("variants.urls")),
    path("", include("editions.urls")),
    path("", include("news.urls")),
]

if settings.SERVE_MEDIA:
    # Production lets the web server send media (docs/deploy.md); the demo and the
    # tests serve them from Django so that `make run` needs nothing else.
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns += [
        path(
            f"{media_prefix}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]

handler500 = "core.errors.server_error"
