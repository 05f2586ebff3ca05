"""The project's URLs plus /bench/bytes/: a minimal view returning fixed bytes."""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from huaxun.urls import handler500 as site_handler500
from huaxun.urls import urlpatterns as site_urlpatterns

BYTES_FILE = os.environ.get("BENCH_BYTES_FILE", "")
PAGE = Path(BYTES_FILE).read_bytes() if BYTES_FILE else b"<!DOCTYPE html><p>bench"


def page_bytes(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/bytes/", page_bytes), *site_urlpatterns]
# Errors as the site shows them: the Chinese 503 page while the database is away.
handler500 = site_handler500
