"""Server errors: a database that cannot be reached is a 503 that says "try again"."""

import sys

from django.db import InterfaceError, OperationalError
from django.views.defaults import server_error as django_server_error

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def server_error(request):
    """handler500: the Chinese 503 page while the database is away, else the 500.

    Neither page reads the database, so both render while it is down.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        response = django_server_error(request, template_name="503.html")
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return django_server_error(request)
