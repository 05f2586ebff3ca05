"""Read replicas: `ReplicaRouter` sends a request's reads to a replica only when
`ReplicaMiddleware` has said they may go there; everything else uses the primary.

Installed by settings when DATABASE_REPLICA_URLS is set (docs/deploy.md).
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from core.pagecache import cache_params, is_anonymous

PIN_COOKIE = "pin_primary"
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# Statements that change nothing; any other statement on the primary is a write.
NOT_WRITES = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SET", "SHOW")


@dataclass
class Reads:
    """Where the current request reads: a replica alias, or None for the primary."""

    replica: str | None
    wrote: bool = False

    def watch(self, execute, sql, params, many, context):
        # Writes are seen as they run rather than when the router is asked for the
        # write database: get_or_create() asks for it on every read of a setting.
        if not sql.lstrip()[:10].upper().startswith(NOT_WRITES):
            # Read-your-writes for the rest of this request.
            self.replica = None
            self.wrote = True
        return execute(sql, params, many, context)


# Unset outside a request (tasks, schedulers, commands, the shell): the primary.
_reads: ContextVar[Reads | None] = ContextVar("reads", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in connections if alias.startswith("replica")]


@contextmanager
def reading_from(replica: str | None) -> Iterator[Reads]:
    reads = Reads(replica)
    token = _reads.set(reads)
    try:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(reads.watch):
            yield reads
    finally:
        _reads.reset(token)


def in_transaction(alias: str = DEFAULT_DB_ALIAS) -> bool:
    # Django's TestCase wraps every test in atomic blocks of its own; they are not
    # the application's transactions.
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connections[alias].atomic_blocks
    )


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads is None or reads.replica is None or in_transaction():
            return DEFAULT_DB_ALIAS
        return reads.replica

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def may_read_replica(request) -> bool:
    """Whether a replica a moment behind the primary is good enough for this request.

    Not for writes, the admin, a reader who wrote in the last few seconds (the pin
    cookie), nor a page the page cache may store for everyone: a copy rendered from
    a replica just after a purge would bring the old page back for its lifetime.
    """
    if request.method in UNSAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    if request.path_info.startswith(ADMIN_PREFIXES):
        return False
    page_cache_candidate = (
        settings.PAGE_CACHE_SECONDS
        and request.method in ("GET", "HEAD")
        and is_anonymous(request)
        and cache_params(request) is not None
    )
    return not page_cache_candidate


class ReplicaMiddleware:
    """Chooses the request's replica, and pins a reader who wrote to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = replica_aliases()
        replica = None
        if replicas and may_read_replica(request):
            replica = random.choice(replicas)
        with reading_from(replica) as reads:
            response = self.get_response(request)
        if reads.wrote and request.method in UNSAFE_METHODS:
            # The reader's next requests (the redirect after a comment, the page
            # after logging in) must see what this one wrote.
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SECURE_COOKIES,
                httponly=True,
                samesite="Lax",
            )
        return response
